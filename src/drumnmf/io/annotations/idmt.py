"""XML files of IDMT-SMT-Drums: its annotation XML and Sonic Visualiser ``.svl`` layers.

Both use :data:`~drumnmf.io.annotations.IDMT_LABELS` (KD, SD, HH) and raise on an unknown
label by default. Parameters, results and errors follow the reader conventions of
:mod:`drumnmf.io.annotations`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations._core import IDMT_LABELS, Annotations, PathLike, Unknown
from drumnmf.io.annotations._reading import _assemble, _mapper, _parse_float, _read_text

__all__ = ["load_idmt_xml", "load_svl"]


def _parse_xml(path: PathLike) -> ET.Element:
    text = _read_text(path)
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise DrumnmfError(f"{Path(path).name} is not well-formed XML ({exc})") from None


def load_idmt_xml(
    path: PathLike, *, label_map: Mapping[str, str | None] | None = None, unknown: Unknown = "error"
) -> Annotations:
    """Read an IDMT-SMT-Drums XML annotation: ``<event>`` elements with ``<onsetSec>``
    and ``<instrument>`` (KD, SD, HH), anywhere in the document.

    Parameters
    ----------
    path : str or path
        The ``.xml`` file (``annotation_xml/RealDrum01_00#MIX.xml``).
    label_map, unknown
        Over :data:`IDMT_LABELS` (KD, SD, HH); an unknown instrument raises by default.

    Returns
    -------
    Annotations
        No strengths: the XML has none.
    """
    name = Path(path).name
    events: list[tuple[float, str, float | None]] = []
    for i, event in enumerate(_parse_xml(path).iter("event")):
        where = f"{name} event {i + 1}"
        onset, instrument = event.findtext("onsetSec"), event.findtext("instrument")
        if onset is None or instrument is None:
            raise DrumnmfError(
                f"{where} lacks <onsetSec> or <instrument>; is this an IDMT-SMT-Drums file?"
            )
        events.append((_parse_float(onset.strip(), where), instrument.strip(), None))
    lookup = _mapper(IDMT_LABELS, label_map, unknown, generic=False, what="IDMT")
    return _assemble(events, lookup, str(path))


def load_svl(
    path: PathLike,
    *,
    label_map: Mapping[str, str | None] | None = None,
    unknown: Unknown = "error",
    instrument: str | None = None,
) -> Annotations:
    """Read a Sonic Visualiser layer: ``<point frame=... label=...>`` at ``sampleRate``.

    The time of a point is ``frame / sampleRate`` of its ``<model>``. Its label comes from
    ``instrument`` if given, else from the point's ``label`` if that is a known label,
    else from an IDMT-style file name (``RealDrum01_00#KD.svl`` -> ``KD``), else the point's
    label goes to the ``unknown`` policy.

    Parameters
    ----------
    path : str or path
        The ``.svl`` file.
    label_map, unknown
        Over :data:`IDMT_LABELS`; an unknown label raises by default.
    instrument : str, optional
        One label for every point (``"KD"``), for layers of a single drum.

    Returns
    -------
    Annotations
        Points carry no strengths.
    """
    p = Path(path)
    root = _parse_xml(p)
    models = list(root.iter("model"))
    rates: dict[str | None, float] = {}
    for model in models:
        where = f"{p.name} <model id={model.get('id')!r}>"
        rate = _parse_float(model.get("sampleRate", "nan"), where, "sampleRate")
        if rate <= 0:
            raise DrumnmfError(f"{where}: sampleRate {rate} must be positive")
        rates[model.get("dataset")] = rate
    if not models:
        raise DrumnmfError(
            f"{p.name} has no <model sampleRate=...>; is it a Sonic Visualiser layer?"
        )
    lookup = _mapper(IDMT_LABELS, label_map, unknown, generic=False, what="SVL")
    known = {k.casefold() for k in {**IDMT_LABELS, **(label_map or {})}}
    from_name = re.search(r"#([A-Za-z]+)(?:#|$)", p.stem)
    events: list[tuple[float, str, float | None]] = []
    for dataset in root.iter("dataset"):
        rate = rates.get(dataset.get("id"), next(iter(rates.values())))
        for j, point in enumerate(dataset.iter("point")):
            where = f"{p.name} point {j + 1}"
            frame = _parse_float(point.get("frame", "nan"), where, "frame")
            label = point.get("label", "").strip()
            if instrument is not None:
                label = instrument
            elif label.casefold() not in known and from_name:
                label = from_name.group(1)
            events.append((frame / rate, label, None))
    return _assemble(events, lookup, str(path))
