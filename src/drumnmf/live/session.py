"""A live session: audio in (a device or a file), hits out (callback, MIDI), files on stop.

:func:`run_session` feeds a :class:`~drumnmf.live.stream.StreamingTranscriber` from a
source of sample blocks, hands every hit to a callback as it is decided (the CLI prints
it), sends it as a MIDI note (:class:`MidiOut`), and records what it heard
(:class:`Recording`) so that :func:`save_session` writes the CSV, MIDI, JSON (and HTML
report) exactly as ``drumnmf transcribe`` does. Ctrl-C (``KeyboardInterrupt``) or a set
``stop`` event ends the session cleanly: the last frames are computed and the outputs
written.

Sources are iterators of mono float32 blocks at the analysis rate: :func:`file_blocks`
(a file at real speed, or as fast as possible) and :func:`device_blocks` (an input device
through ``sounddevice``, the ``live`` extra).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.live.stream import Hit, StreamBlock, StreamingTranscriber

__all__ = [
    "MidiOut",
    "Recording",
    "SessionResult",
    "device_blocks",
    "file_blocks",
    "import_sounddevice",
    "run_session",
    "save_session",
]

DISPLAY_COLUMNS = 6000  # most columns of the recorded spectrogram (pooled by doubling)


def import_sounddevice() -> ModuleType:
    """``sounddevice``, or a clear error when it or PortAudio is missing."""
    try:
        import sounddevice
    except ImportError as exc:
        raise DrumnmfError(
            "listening to a device needs sounddevice: pip install 'drumnmf[live]'"
        ) from exc
    except OSError as exc:  # sounddevice is installed but libportaudio is not
        raise DrumnmfError(
            f"PortAudio is not available ({exc}); install it (Debian: apt-get install "
            "libportaudio2) or stream a file with --file"
        ) from exc
    return sounddevice


def file_blocks(
    path: str | os.PathLike[str],
    *,
    sample_rate: int,
    block: int,
    realtime: bool = True,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[np.ndarray]:
    """A file's samples in blocks, at real speed or as fast as possible.

    Parameters
    ----------
    path : path-like
        Any audio file drumnmf reads (mixed to mono, resampled to ``sample_rate``).
    sample_rate : int > 0
    block : int > 0
        Samples per block.
    realtime : bool
        Wait so that each block is yielded when it would have been recorded.
    clock, sleep : callable
        Time source and sleep (injectable for tests).
    """
    from drumnmf.io.audio import stream_audio

    if block < 1:
        raise DrumnmfError(f"block must be a positive number of samples, got {block!r}")
    _, pieces = stream_audio(path, sample_rate=sample_rate, block_seconds=1.0)
    start = clock()
    sent = 0
    carry = np.zeros(0, dtype=np.float32)
    for piece in pieces:
        carry = np.concatenate([carry, piece]) if carry.size else piece
        while carry.size >= block:
            out, carry = carry[:block], carry[block:]
            sent += block
            if realtime:
                wait = start + sent / sample_rate - clock()
                if wait > 0:
                    sleep(wait)
            yield out
    if carry.size:
        yield carry


def device_blocks(
    *,
    sample_rate: int,
    block: int,
    device: str | int | None = None,
    stop: threading.Event | None = None,
    sounddevice: ModuleType | None = None,
) -> Iterator[np.ndarray]:
    """Blocks from an input device, as they are recorded.

    The device is looked up and opened now (a missing device or PortAudio raises
    :class:`DrumnmfError` here); the blocks come from the returned iterator.

    Parameters
    ----------
    sample_rate : int > 0
        Rate to open the device at.
    block : int > 0
        Samples per block.
    device : str, int or None
        Device name or index (``sounddevice.query_devices()``); None for the default input.
    stop : threading.Event, optional
        Set to end the stream.
    sounddevice : module, optional
        The ``sounddevice`` module to use (injectable for tests); imported by default.
    """
    sd = sounddevice or import_sounddevice()
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    try:
        info = sd.query_devices(device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        raise DrumnmfError(
            f"no input device {device!r} ({exc}); list them with 'drumnmf listen --list-devices'"
            if device is not None
            else f"no default input device ({exc}); connect one, or stream a file with --file"
        ) from exc
    channels = max(1, min(2, int(info.get("max_input_channels", 1)) or 1))
    blocks: queue.Queue[np.ndarray] = queue.Queue()

    def callback(indata: np.ndarray, frames: int, when: Any, status: Any) -> None:
        del frames, when, status
        blocks.put(np.asarray(indata, dtype=np.float32).mean(axis=1))

    try:
        stream = sd.InputStream(
            samplerate=sample_rate,
            blocksize=block,
            device=device,
            channels=channels,
            dtype="float32",
            callback=callback,
        )
    except (ValueError, sd.PortAudioError) as exc:
        raise DrumnmfError(
            f"cannot open input device {device!r} at {sample_rate} Hz ({exc})"
        ) from exc

    def read() -> Iterator[np.ndarray]:
        with stream:
            while stop is None or not stop.is_set():
                try:
                    yield blocks.get(timeout=0.1)
                except queue.Empty:
                    continue

    return read()


class MidiOut:
    """Send hits as General MIDI drum notes (channel 10) to an output port.

    Parameters
    ----------
    name : str
        Port name (``mido.get_output_names()``), or a new virtual port's name with
        ``virtual=True``.
    notes : mapping drum -> int
        MIDI note of each drum.
    virtual : bool
        Create a virtual port (rtmidi on Linux and macOS) instead of opening one.
    velocity_scale : float > 0
        Strength that plays velocity 127 (strength 1 is a hit as loud as the calibration).
    port : object, optional
        An open port with ``send`` and ``close`` (injectable for tests).
    """

    def __init__(
        self,
        name: str,
        notes: dict[str, int],
        *,
        virtual: bool = False,
        velocity_scale: float = 1.0,
        port: Any = None,
    ) -> None:
        import mido

        self._mido = mido
        self.notes = dict(notes)
        self.velocity_scale = float(velocity_scale)
        if port is None:
            try:
                port = mido.open_output(name, virtual=virtual)
            except (OSError, ImportError, RuntimeError) as exc:
                try:
                    names = mido.get_output_names()
                except Exception:  # the backend itself is missing
                    names = []
                raise DrumnmfError(
                    f"cannot open MIDI output {name!r} ({exc}); ports: "
                    f"{', '.join(names) or 'none'} (needs python-rtmidi: "
                    "pip install 'drumnmf[live]')"
                ) from exc
        self.port = port
        self._off: list[tuple[float, Any]] = []

    def velocity(self, strength: float) -> int:
        """MIDI velocity of a hit: 20 + 107 * strength / velocity_scale, within 1..127."""
        return int(np.clip(round(20 + 107 * strength / self.velocity_scale), 1, 127))

    def send(self, hit: Hit) -> None:
        """Note on now (note off 50 ms later, sent with a later hit or on close)."""
        now = time.monotonic()
        self._release(now)
        note = self.notes[hit.drum]
        self.port.send(
            self._mido.Message(
                "note_on", channel=9, note=note, velocity=self.velocity(hit.strength)
            )
        )
        self._off.append((now + 0.05, self._mido.Message("note_off", channel=9, note=note)))

    def _release(self, now: float) -> None:
        due = [m for t, m in self._off if t <= now]
        self._off = [(t, m) for t, m in self._off if t > now]
        for message in due:
            self.port.send(message)

    def close(self) -> None:
        """Send the pending note offs and close the port."""
        self._release(float("inf"))
        self.port.close()


@dataclass
class Recording:
    """What a session heard: activations, thresholds and a pooled spectrogram.

    Template activations and thresholds are kept per frame (float32); the
    linear spectrogram is max-pooled over ``step`` frames, ``step`` doubling whenever it
    would exceed ``max_columns`` columns.
    """

    owners: np.ndarray
    n_bins: int
    max_columns: int = DISPLAY_COLUMNS
    step: int = 1
    activations: list[np.ndarray] = field(default_factory=list)
    thresholds: list[np.ndarray] = field(default_factory=list)
    columns: list[np.ndarray] = field(default_factory=list)
    _partial: np.ndarray | None = None
    _partial_count: int = 0

    def add(self, block: StreamBlock) -> None:
        """Record one block's frames."""
        if not block.activations.shape[1]:
            return
        self.activations.append(block.template_activations.astype(np.float32))
        self.thresholds.append(block.thresholds.astype(np.float32))
        for column in block.spectrogram.T:
            if self._partial is None:
                self._partial = column.copy()
            else:
                np.maximum(self._partial, column, out=self._partial)
            self._partial_count += 1
            if self._partial_count == self.step:
                self.columns.append(self._partial)
                self._partial, self._partial_count = None, 0
                if len(self.columns) > self.max_columns:
                    self._coarsen()

    def _coarsen(self) -> None:
        even = len(self.columns) // 2 * 2
        pairs = [
            np.maximum(a, b)
            for a, b in zip(self.columns[0:even:2], self.columns[1:even:2], strict=True)
        ]
        if len(self.columns) % 2:
            # The odd column becomes the partial one of the doubled step.
            self._partial = self.columns[-1]
            self._partial_count = self.step
        self.columns = pairs
        self.step *= 2

    @property
    def n_drums(self) -> int:
        """Number of drums (rows of ``owners``)."""
        return int(self.owners.shape[0])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Template activations ``(n_templates, n_frames)``, thresholds
        ``(n_drums, n_frames)`` and the pooled spectrogram ``(n_bins, n)``."""
        cols = [*self.columns, *([self._partial] if self._partial is not None else [])]
        act = np.concatenate(self.activations, axis=1) if self.activations else None
        thr = np.concatenate(self.thresholds, axis=1) if self.thresholds else None
        return (
            act if act is not None else np.zeros((self.owners.shape[1], 0), dtype=np.float32),
            thr if thr is not None else np.zeros((self.n_drums, 0), dtype=np.float32),
            np.stack(cols, axis=1) if cols else np.zeros((self.n_bins, 0), dtype=np.float32),
        )


@dataclass(frozen=True, eq=False)
class SessionResult:
    """The end of a session.

    Attributes
    ----------
    hits : tuple of Hit
        Every hit, in time order.
    seconds : float
        Audio heard, seconds.
    interrupted : bool
        True if Ctrl-C or ``stop`` ended it before the source did.
    compute_seconds : float
        CPU time spent in the transcriber, seconds.
    recording : Recording or None
    """

    hits: tuple[Hit, ...]
    seconds: float
    interrupted: bool
    compute_seconds: float
    recording: Recording | None


def run_session(
    transcriber: StreamingTranscriber,
    blocks: Iterable[np.ndarray],
    *,
    on_hit: Callable[[Hit], Any] | None = None,
    midi: MidiOut | None = None,
    record: bool = True,
    stop: threading.Event | None = None,
    max_seconds: float | None = None,
) -> SessionResult:
    """Stream blocks through the transcriber until the source ends or it is stopped.

    Parameters
    ----------
    transcriber : StreamingTranscriber
        A fresh transcriber (it is flushed at the end).
    blocks : iterable of np.ndarray [shape=(n,)]
        Mono blocks at the transcriber's rate.
    on_hit : callable, optional
        Called with each hit as it is decided.
    midi : MidiOut, optional
        Sends each hit as a note; closed at the end.
    record : bool
        Keep a :class:`Recording` (for :func:`save_session`).
    stop : threading.Event, optional
        Set (from another thread or a signal handler) to end the session.
    max_seconds : float, optional
        End after this much audio.

    Returns
    -------
    SessionResult
    """
    recording = Recording(transcriber.owners, transcriber.settings.n_bins) if record else None
    hits: list[Hit] = []
    interrupted = False
    compute = 0.0

    def handle(block: StreamBlock) -> None:
        for hit in block.hits:
            hits.append(hit)
            if midi is not None:
                midi.send(hit)
            if on_hit is not None:
                on_hit(hit)
        if recording is not None:
            recording.add(block)

    try:
        try:
            for samples in blocks:
                clock = time.process_time()
                block = transcriber.process(samples)
                compute += time.process_time() - clock
                handle(block)
                if stop is not None and stop.is_set():
                    interrupted = True
                    break
                if max_seconds is not None and transcriber.seconds_received >= max_seconds:
                    break
        except KeyboardInterrupt:
            interrupted = True
        clock = time.process_time()
        last = transcriber.flush_block()
        compute += time.process_time() - clock
        handle(last)
    finally:
        if midi is not None:
            midi.close()
    hits.sort(key=lambda h: (h.time, h.drum))
    return SessionResult(
        hits=tuple(hits),
        seconds=transcriber.seconds_received,
        interrupted=interrupted,
        compute_seconds=compute,
        recording=recording,
    )


def session_transcription(
    result: SessionResult, transcriber: StreamingTranscriber, *, source: str
) -> Any:
    """The session as a :class:`drumnmf.pipeline.Transcription` (for the writers)."""
    from drumnmf.factorization import Factorization
    from drumnmf.pipeline import TranscribeConfig, Transcription

    kit = transcriber.kit
    settings = transcriber.settings
    if settings != kit.settings:  # trigger mode: the kit as analysed
        kit = replace(kit, settings=settings, templates=transcriber.templates, alternates=())
    onsets = {d: np.array([h.time for h in result.hits if h.drum == d]) for d in kit.names}
    strengths = {d: np.array([h.strength for h in result.hits if h.drum == d]) for d in kit.names}
    confidences = {
        d: np.array([h.confidence for h in result.hits if h.drum == d]) for d in kit.names
    }
    W_D = transcriber.factorized_templates
    if result.recording is not None:
        template_activations, thresholds, spectrogram = result.recording.arrays()
        step = result.recording.step
    else:
        n = transcriber.frames_done
        template_activations = np.zeros((W_D.shape[1], n), dtype=np.float32)
        thresholds = np.zeros((kit.n_drums, n), dtype=np.float32)
        spectrogram, step = np.zeros((settings.n_bins, 0), dtype=np.float32), 1
    activations = transcriber.owners @ template_activations.astype(np.float64)
    n_frames = activations.shape[1]
    factorization = Factorization(
        drum_activations=template_activations,
        harmonic_templates=np.zeros((W_D.shape[0], 0), dtype=np.float32),
        harmonic_activations=np.zeros((0, n_frames), dtype=np.float32),
        templates=W_D.astype(np.float32),
        losses=np.zeros(0),
        n_iter=n_frames,
        converged=False,
        solver="live",
        seconds=result.compute_seconds,
    )
    c = transcriber.config
    config = TranscribeConfig(
        harmonic_rank=c.harmonic_rank,
        picker="paper",  # the causal picker is the adaptive median threshold, made causal
        threshold_window=c.threshold_window,
        offsets=c.offsets,
        min_interval=c.min_interval,
        bands_per_octave=c.bands_per_octave,
        fmin=c.fmin,
        fmax=c.fmax,
        percussive_frames=TranscribeConfig.percussive_frames if c.percussive_seconds else 0,
        percussive_bands=c.percussive_bands,
        crosstalk_ratio=c.crosstalk_ratio,
        crosstalk_similarity=c.crosstalk_similarity,
    )
    return Transcription(
        drums=kit.names,
        onsets=onsets,
        strengths=strengths,
        confidences=confidences,
        activations=activations,
        thresholds=thresholds.astype(np.float64),
        frame_times=np.arange(n_frames) * settings.frame_seconds,
        spectrogram=spectrogram,
        spectrogram_step=step,
        factorization=factorization,
        kit=kit,
        config=config,
        duration=result.seconds,
        source=source,
        seconds={"live": result.compute_seconds},
    )


def save_session(
    result: SessionResult,
    transcriber: StreamingTranscriber,
    out_dir: str | os.PathLike[str],
    *,
    source: str,
    stem: str,
    formats: tuple[str, ...] = ("csv", "json", "mid"),
    report: bool = False,
    audio_path: str | os.PathLike[str] | None = None,
    note_map: Any = None,
) -> dict[str, Path]:
    """Write a session's CSV, MIDI and JSON (and HTML report) as ``transcribe`` does.

    Parameters
    ----------
    result : SessionResult
    transcriber : StreamingTranscriber
        The transcriber that ran the session.
    out_dir : path-like
    source : str
        The input file, or a device description.
    stem : str
        File stem (the input file's stem, or the session's start time).
    formats : tuple of {"csv", "json", "mid"}
    report : bool
        Also write ``<stem>.html`` (needs the session's recording).
    audio_path : path-like, optional
        The recording to embed in the report (the input file).
    note_map : NoteMap, preset name or map file, optional

    Returns
    -------
    dict format -> Path
    """
    from drumnmf.pipeline import save_transcription

    transcription = session_transcription(result, transcriber, source=source)
    written = save_transcription(
        transcription, out_dir, stem=stem, formats=formats, note_map=note_map
    )
    if report:
        from drumnmf.display.report import write_report

        written["html"] = Path(out_dir) / f"{stem}.html"
        write_report(transcription, written["html"], audio_path=audio_path, note_map=note_map)
    return written
