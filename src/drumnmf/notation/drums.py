"""How each drum is written: staff position, notehead, voice, tab line and MIDI note.

Positions follow the common drum-set key (Weinberg / Percussive Arts Society) on a
five-line percussion staff, as display steps in treble-clef terms:

=============  ========  ========  =====  ===
drum           position  notehead  voice  tab
=============  ========  ========  =====  ===
crash          A5        x         hands  CC
china/splash   B5        x         hands  CH
ride           F5        x         hands  RD
ride_bell      F5        diamond   hands  RB
hihat          G5        x         hands  HH
open_hihat     G5        x + "o"   hands  HH
high_tom       E5        normal    hands  T1
tom, mid_tom   D5        normal    hands  T2
snare          C5        normal    hands  SN
side_stick     C5        circle-x  hands  SS
low/floor tom  A4        normal    hands  FT
kick           F4        normal    feet   BD
pedal_hihat    D4        x         feet   HF
=============  ========  ========  =====  ===

Other instruments sit on B4 (cowbell, tambourine...: x noteheads on E5 / B5).
"""

from __future__ import annotations

from dataclasses import dataclass

from drumnmf.errors import DrumnmfError
from drumnmf.kit import DRUM_NOTES

__all__ = ["DrumNotation", "drum_notation", "midi_note_for"]


@dataclass(frozen=True)
class DrumNotation:
    """How one drum is notated.

    Attributes
    ----------
    step, octave : str, int
        Display position on the staff (``"C", 5`` is the snare's space).
    notehead : str
        MusicXML notehead value (``normal``, ``x``, ``circle-x``, ``diamond``).
    feet : bool
        True for the feet's voice (stems down).
    tab : str
        Two-letter label of its line in a drum tab.
    cymbal : bool
        True for cymbals (tab hits written ``x``, drums ``o``).
    """

    step: str
    octave: int
    notehead: str
    feet: bool
    tab: str
    cymbal: bool

    @property
    def order(self) -> int:
        """Vertical order on the staff, low to high (diatonic step number)."""
        return self.octave * 7 + "CDEFGAB".index(self.step)


_TABLE: dict[str, DrumNotation] = {
    "crash": DrumNotation("A", 5, "x", False, "CC", True),
    "crash2": DrumNotation("A", 5, "x", False, "CC", True),
    "cymbal": DrumNotation("A", 5, "x", False, "CC", True),
    "china": DrumNotation("B", 5, "x", False, "CH", True),
    "splash": DrumNotation("B", 5, "x", False, "CH", True),
    "ride": DrumNotation("F", 5, "x", False, "RD", True),
    "ride_bell": DrumNotation("F", 5, "diamond", False, "RB", True),
    "hihat": DrumNotation("G", 5, "x", False, "HH", True),
    "open_hihat": DrumNotation("G", 5, "x", False, "HH", True),
    "high_tom": DrumNotation("E", 5, "normal", False, "T1", False),
    "tom": DrumNotation("D", 5, "normal", False, "T2", False),
    "mid_tom": DrumNotation("D", 5, "normal", False, "T2", False),
    "low_tom": DrumNotation("A", 4, "normal", False, "FT", False),
    "floor_tom": DrumNotation("A", 4, "normal", False, "FT", False),
    "low_floor_tom": DrumNotation("A", 4, "normal", False, "FT", False),
    "high_floor_tom": DrumNotation("A", 4, "normal", False, "FT", False),
    "snare": DrumNotation("C", 5, "normal", False, "SN", False),
    "electric_snare": DrumNotation("C", 5, "normal", False, "SN", False),
    "rimshot": DrumNotation("C", 5, "slash", False, "SN", False),
    "side_stick": DrumNotation("C", 5, "circle-x", False, "SS", False),
    "clap": DrumNotation("C", 5, "x", False, "CP", False),
    "cowbell": DrumNotation("E", 5, "triangle", False, "CB", False),
    "tambourine": DrumNotation("B", 5, "triangle", False, "TB", True),
    "kick": DrumNotation("F", 4, "normal", True, "BD", False),
    "pedal_hihat": DrumNotation("D", 4, "x", True, "HF", True),
}
_OTHER = DrumNotation("B", 4, "x", False, "OT", False)


def drum_notation(drum: str) -> DrumNotation:
    """Staff position, notehead, voice and tab label of a drum (``_OTHER`` when unknown)."""
    return _TABLE.get(drum, _OTHER)


def midi_note_for(drum: str, notes: dict[str, int] | None = None) -> int:
    """General MIDI note of a drum: from ``notes``, drumnmf's table, or ``note_<n>`` names."""
    if notes and drum in notes:
        return int(notes[drum])
    if drum in DRUM_NOTES:
        return DRUM_NOTES[drum]
    if drum == "other":
        return 75  # claves
    if drum.startswith("note_") and drum[5:].isdigit():
        return int(drum[5:])
    raise DrumnmfError(f"no MIDI note for drum '{drum}'; give one in the kit (midi_note)")
