"""MusicXML 3.1 drum part, written by drumnmf with :mod:`xml.etree`.

One percussion part on a five-line staff: unpitched notes at each drum's display position
(:mod:`drumnmf.notation.drums`), x noteheads for the cymbals, two voices (hands with stems up,
feet with stems down), beams by beat, rests, a tempo mark (a new one where the tempo moves
by more than 4 %), the time signature and a title. Each drum is a ``score-instrument``
with its General MIDI note, so notation programs play the right sound.

A ``<beam>`` is written only on the first note of a chord: verovio drops the other notes
of a chord that repeat it. Ghost notes have parenthesised noteheads, accents ``<accent/>``,
the open hi-hat ``<open-string/>`` ("o"), flams and drags one or two slashed grace notes.
Durations are in divisions of 24 per quarter note (32nds and triplets are whole numbers).
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from drumnmf.io.export import atomic_path
from drumnmf.notation.drums import drum_notation, midi_note_for
from drumnmf.notation.quantize import Bar, Note, Score

__all__ = ["DIVISIONS", "musicxml_string", "write_musicxml"]

DIVISIONS = 24  # per quarter note

# notated length in quarters -> (type, dots)
_VALUES: list[tuple[Fraction, str, int]] = [
    (Fraction(4), "whole", 0),
    (Fraction(3), "half", 1),
    (Fraction(2), "half", 0),
    (Fraction(3, 2), "quarter", 1),
    (Fraction(1), "quarter", 0),
    (Fraction(3, 4), "eighth", 1),
    (Fraction(1, 2), "eighth", 0),
    (Fraction(3, 8), "16th", 1),
    (Fraction(1, 4), "16th", 0),
    (Fraction(3, 16), "32nd", 1),
    (Fraction(1, 8), "32nd", 0),
    (Fraction(1, 16), "64th", 0),
]


@dataclass(frozen=True)
class _Event:
    """A chord or a rest inside one beat."""

    notes: tuple[Note, ...]  # empty for a rest
    duration: Fraction  # actual length, quarters
    kind: str
    dots: int
    tuplet: tuple[int, int] | None  # (actual, normal)


def _split(notated: Fraction) -> list[tuple[Fraction, str, int]]:
    """Notated length -> representable pieces, longest first."""
    out = []
    left = notated
    while left > 0:
        for value, kind, dots in _VALUES:
            if value <= left:
                out.append((value, kind, dots))
                left -= value
                break
        else:  # shorter than a 64th: absorb
            break
    return out


def _beat_events(
    notes: list[Note], beat: int, subdivision: int, beat_quarters: Fraction, compound: bool
) -> list[_Event]:
    """Chords and rests filling one beat of one voice."""
    if not notes:
        pieces = _split(beat_quarters)
        return [_Event((), v, k, d, None) for v, k, d in pieces]
    tuplet: tuple[int, int] | None = None
    if not compound and subdivision in (3, 6):
        tuplet = (subdivision, subdivision * 2 // 3)
    elif compound and subdivision in (2, 4):
        tuplet = (subdivision, subdivision * 3 // 2)
    onsets = sorted({n.position - beat for n in notes})
    if len(onsets) == 1 and onsets[0] == 0:
        tuplet = None  # one chord on the beat: a plain beat-long note
    scale = Fraction(tuplet[0], tuplet[1]) if tuplet else Fraction(1)
    events: list[_Event] = []
    marks = [*onsets, Fraction(1)]
    if onsets[0] > 0:
        for v, k, d in _split(onsets[0] * beat_quarters * scale):
            events.append(_Event((), v / scale, k, d, tuplet))
    for start, end in itertools.pairwise(marks):
        chord = tuple(sorted((n for n in notes if n.position - beat == start), key=_chord_order))
        pieces = _split((end - start) * beat_quarters * scale)
        v, k, d = pieces[0]
        events.append(_Event(chord, v / scale, k, d, tuplet))
        for v, k, d in pieces[1:]:
            events.append(_Event((), v / scale, k, d, tuplet))
    return events


def _chord_order(note: Note) -> tuple[int, str]:
    return (drum_notation(note.drum).order, note.drum)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _duration(quarters: Fraction) -> str:
    value = quarters * DIVISIONS
    return str(round(value))


class _Writer:
    def __init__(self, score: Score, notes: Mapping[str, int] | None) -> None:
        self.score = score
        self.meter = score.grid.meter
        drums = sorted({n.drum for n in score.notes}, key=lambda d: drum_notation(d).order)
        self.ids = {d: f"P1-I{i + 1}" for i, d in enumerate(drums)}
        self.midi = {d: midi_note_for(d, dict(notes) if notes else None) for d in drums}
        self.has_feet = any(drum_notation(d).feet for d in drums)
        self.beat_quarters = Fraction(3, 2) if self.meter.compound else Fraction(1)

    def document(self) -> ET.Element:
        root = ET.Element("score-partwise", version="3.1")
        work = _sub(root, "work")
        _sub(work, "work-title", self.score.title)
        ident = _sub(root, "identification")
        enc = _sub(ident, "encoding")
        from drumnmf import __version__

        _sub(enc, "software", f"drumnmf {__version__}")
        part_list = _sub(root, "part-list")
        sp = _sub(part_list, "score-part", id="P1")
        _sub(sp, "part-name", "Drums")
        _sub(sp, "part-abbreviation", "Dr.")
        for drum, iid in self.ids.items():
            si = _sub(sp, "score-instrument", id=iid)
            _sub(si, "instrument-name", drum.replace("_", " "))
        for drum, iid in self.ids.items():
            mi = _sub(sp, "midi-instrument", id=iid)
            _sub(mi, "midi-channel", "10")
            _sub(mi, "midi-program", "1")
            _sub(mi, "midi-unpitched", str(self.midi[drum] + 1))
        part = _sub(root, "part", id="P1")
        last_tempo: float | None = None
        for bar in self.score.bars:
            last_tempo = self.measure(part, bar, last_tempo)
        return root

    def measure(self, part: ET.Element, bar: Bar, last_tempo: float | None) -> float | None:
        m = _sub(part, "measure", number=str(bar.index + 1))
        if bar.index == 0:
            attrs = _sub(m, "attributes")
            _sub(attrs, "divisions", str(DIVISIONS))
            key = _sub(attrs, "key")
            _sub(key, "fifths", "0")
            time = _sub(attrs, "time")
            _sub(time, "beats", str(self.meter.numerator))
            _sub(time, "beat-type", str(self.meter.denominator))
            clef = _sub(attrs, "clef")
            _sub(clef, "sign", "percussion")
            _sub(clef, "line", "2")
        bpm = 60.0 * self.meter.beats / max(bar.end - bar.start, 1e-6)
        if last_tempo is None or abs(bpm / last_tempo - 1) > 0.04:
            self.tempo_mark(m, bpm)
            last_tempo = bpm
        bar_quarters = self.beat_quarters * self.meter.beats
        hands = [n for n in bar.notes if not drum_notation(n.drum).feet]
        feet = [n for n in bar.notes if drum_notation(n.drum).feet]
        self.voice(m, bar, hands, 1, bar_quarters)
        if self.has_feet:
            backup = _sub(m, "backup")
            _sub(backup, "duration", _duration(bar_quarters))
            self.voice(m, bar, feet, 2, bar_quarters)
        return last_tempo

    def tempo_mark(self, m: ET.Element, bpm: float) -> None:
        direction = _sub(m, "direction", placement="above")
        dtype = _sub(direction, "direction-type")
        metronome = _sub(dtype, "metronome")
        _sub(metronome, "beat-unit", "quarter")
        if self.meter.compound:
            _sub(metronome, "beat-unit-dot")
        _sub(metronome, "per-minute", str(round(bpm)))
        quarter_bpm = bpm * float(self.beat_quarters)
        _sub(direction, "sound", tempo=f"{quarter_bpm:.2f}")

    def voice(
        self, m: ET.Element, bar: Bar, notes: list[Note], voice: int, bar_quarters: Fraction
    ) -> None:
        if not notes:
            el = _sub(m, "note")
            _sub(el, "rest", measure="yes")
            _sub(el, "duration", _duration(bar_quarters))
            _sub(el, "voice", str(voice))
            return
        for beat in range(self.meter.beats):
            inside = [n for n in notes if n.beat == beat]
            events = _beat_events(
                inside, beat, bar.subdivisions[beat], self.beat_quarters, self.meter.compound
            )
            self.beat(m, events, voice)

    def beat(self, m: ET.Element, events: list[_Event], voice: int) -> None:
        beamable = [e.notes and e.kind in ("eighth", "16th", "32nd", "64th") for e in events]
        runs: list[str | None] = [None] * len(events)
        i = 0
        while i < len(events):
            if beamable[i]:
                j = i
                while j + 1 < len(events) and beamable[j + 1]:
                    j += 1
                if j > i:
                    runs[i] = "begin"
                    for k in range(i + 1, j):
                        runs[k] = "continue"
                    runs[j] = "end"
                i = j + 1
            else:
                i += 1
        stem = "down" if voice == 2 else "up"
        tuplet_open = False
        for index, (event, beam) in enumerate(zip(events, runs, strict=True)):
            tuplet_mark = None
            if event.tuplet and index == 0:
                tuplet_mark = "start"
                tuplet_open = True
            if event.tuplet and tuplet_open and index == len(events) - 1:
                tuplet_mark = "stop" if tuplet_mark is None else tuplet_mark
            if not event.notes:
                el = _sub(m, "note")
                _sub(el, "rest")
                _sub(el, "duration", _duration(event.duration))
                _sub(el, "voice", str(voice))
                self.value(el, event)
                if tuplet_mark:
                    _sub(_sub(el, "notations"), "tuplet", type=tuplet_mark, bracket="yes")
                continue
            for note in event.notes:
                for _ in range(note.grace):
                    self.grace(m, note, voice, stem)
            for position, note in enumerate(event.notes):
                el = _sub(m, "note")
                if position:
                    _sub(el, "chord")
                nd = drum_notation(note.drum)
                un = _sub(el, "unpitched")
                _sub(un, "display-step", nd.step)
                _sub(un, "display-octave", str(nd.octave))
                _sub(el, "duration", _duration(event.duration))
                _sub(el, "instrument", id=self.ids[note.drum])
                _sub(el, "voice", str(voice))
                self.value(el, event)
                _sub(el, "stem", stem)
                head = _sub(el, "notehead", nd.notehead)
                if note.ghost:
                    head.set("parentheses", "yes")
                if position == 0 and beam:
                    _sub(el, "beam", beam, number="1")
                self.notations(el, note, tuplet_mark if position == 0 else None)

    def value(self, el: ET.Element, event: _Event) -> None:
        _sub(el, "type", event.kind)
        for _ in range(event.dots):
            _sub(el, "dot")
        if event.tuplet:
            tm = _sub(el, "time-modification")
            _sub(tm, "actual-notes", str(event.tuplet[0]))
            _sub(tm, "normal-notes", str(event.tuplet[1]))

    def notations(self, el: ET.Element, note: Note, tuplet: str | None) -> None:
        if not (tuplet or note.accent or note.open):
            return
        nots = _sub(el, "notations")
        if tuplet:
            _sub(nots, "tuplet", type=tuplet, bracket="yes")
        if note.open:
            _sub(_sub(nots, "technical"), "open-string")
        if note.accent:
            _sub(_sub(nots, "articulations"), "accent")

    def grace(self, m: ET.Element, note: Note, voice: int, stem: str) -> None:
        nd = drum_notation(note.drum)
        el = _sub(m, "note")
        _sub(el, "grace", slash="yes" if note.grace == 1 else "no")
        un = _sub(el, "unpitched")
        _sub(un, "display-step", nd.step)
        _sub(un, "display-octave", str(nd.octave))
        _sub(el, "instrument", id=self.ids[note.drum])
        _sub(el, "voice", str(voice))
        _sub(el, "type", "eighth" if note.grace == 1 else "16th")
        _sub(el, "stem", stem)
        _sub(el, "notehead", nd.notehead)


def musicxml_string(score: Score, *, notes: Mapping[str, int] | None = None) -> str:
    """The score as a MusicXML 3.1 ``score-partwise`` document.

    Parameters
    ----------
    score : Score
        From :func:`drumnmf.notation.make_score`.
    notes : mapping drum -> int, optional
        General MIDI note of each drum (the kit's); drumnmf's table by default.

    Returns
    -------
    str
        The document, with XML declaration and DOCTYPE.
    """
    root = _Writer(score, notes).document()
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 3.1 Partwise//EN" '
        '"http://www.musicxml.org/dtds/partwise.dtd">\n' + body + "\n"
    )


def write_musicxml(
    path: str | os.PathLike[str], score: Score, *, notes: Mapping[str, int] | None = None
) -> None:
    """Write the score as MusicXML 3.1 (atomically); see :func:`musicxml_string`."""
    text = musicxml_string(score, notes=notes)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
