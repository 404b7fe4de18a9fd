"""Live transcription: the offline model, causal, block by block (``drumnmf listen``).

- :mod:`drumnmf.live.stream`: :class:`StreamingTranscriber`, the causal STFT, per-frame
  solve with fixed drum templates and a slowly updated non-drum part, and causal picker;
  its options in :mod:`drumnmf.live.config` (:class:`StreamConfig`, one preset per mode).
- :mod:`drumnmf.live.templates`: drum templates for other STFT settings (trigger mode).
- :mod:`drumnmf.live.session`: audio devices, files at real speed, MIDI out, and the
  outputs written when a session stops.
"""

from drumnmf.live.config import MODES, StreamConfig
from drumnmf.live.stream import Hit, StreamBlock, StreamingTranscriber
from drumnmf.live.templates import (
    TRIGGER_SETTINGS,
    resampled_templates,
    templates_for,
    with_templates_for,
)

__all__ = [
    "MODES",
    "TRIGGER_SETTINGS",
    "Hit",
    "StreamBlock",
    "StreamConfig",
    "StreamingTranscriber",
    "resampled_templates",
    "templates_for",
    "with_templates_for",
]
