// drumnmf report editor: re-pick onsets with per-drum sensitivity sliders, add / delete /
// reassign hits, undo, pre-listen, and download the corrected CSV, MIDI and JSON.
//
// The picker is a line-by-line port of drumnmf.onsets (pick_adaptive with its median
// threshold, scipy's find_peaks with a distance, rise timing, suppress_crosstalk) and the
// writers of drumnmf.io.export (CSV, and MIDI byte for byte as mido saves it), so that the
// files equal what `drumnmf transcribe --threshold-offset ... --edits ...` writes. Edits
// follow drumnmf.editing's rules. Scripts drive it through window.drumnmfReport.editor.
(async function () {
  "use strict";

  const R = window.drumnmfReport;
  const I = R._internals;
  const ED = JSON.parse(document.getElementById("drumnmf-editor").textContent);
  const $ = (id) => document.getElementById(id);
  const drums = I.drums.map((d) => d.name);
  const nDrums = drums.length;
  const fs = ED.frame_seconds;

  // A zlib-compressed float64 matrix (display/editor.py's _packed), one row per drum.
  async function inflate(b64) {
    const raw = atob(b64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const all = new Float64Array(await new Response(stream).arrayBuffer());
    const n = all.length / nDrums;
    return Array.from({ length: nDrums }, (_, d) => all.subarray(d * n, (d + 1) * n));
  }
  const rows = await inflate(ED.activations);
  const energy = ED.crosstalk ? await inflate(ED.crosstalk.energy) : null;
  const share = ED.share_gate ? await inflate(ED.share_gate.share) : null;

  // ------------------------------------------------------------------ picker (drumnmf.onsets)
  // scipy.ndimage.median_filter(x, size, mode="nearest"), size odd.
  function medianFilter(x, size) {
    const n = x.length, h = size >> 1, out = new Float64Array(n), win = new Float64Array(size);
    for (let i = 0; i < n; i++) {
      for (let k = -h; k <= h; k++) {
        let j = i + k;
        if (j < 0) j = 0; else if (j >= n) j = n - 1;
        win[k + h] = x[j];
      }
      win.sort();
      out[i] = win[h];
    }
    return out;
  }

  // scipy.signal.find_peaks(x, distance=distance) on x padded with -inf at both ends,
  // minus the padding, keeping positive peaks (onsets._candidates).
  function candidates(row, distance) {
    const n = row.length;
    const x = new Float64Array(n + 2);
    x[0] = -Infinity; x[n + 1] = -Infinity;
    x.set(row, 1);
    const peaks = [];
    let i = 1;
    const iMax = x.length - 1;
    while (i < iMax) {
      if (x[i - 1] < x[i]) {
        let ahead = i + 1;
        while (ahead < iMax && x[ahead] === x[i]) ahead++;
        if (x[ahead] < x[i]) {
          peaks.push((i + ahead - 1) >> 1);
          i = ahead;
        }
      }
      i++;
    }
    // _select_by_peak_distance: highest first, drop neighbours closer than distance.
    const keep = new Uint8Array(peaks.length).fill(1);
    const order = peaks.map((p, k) => k).sort((a, b) => x[peaks[a]] - x[peaks[b]] || a - b);
    for (let q = order.length - 1; q >= 0; q--) {
      const j = order[q];
      if (!keep[j]) continue;
      for (let k = j - 1; k >= 0 && peaks[j] - peaks[k] < distance; k--) keep[k] = 0;
      for (let k = j + 1; k < peaks.length && peaks[k] - peaks[j] < distance; k++) keep[k] = 0;
    }
    const out = [];
    for (let k = 0; k < peaks.length; k++) {
      const p = peaks[k] - 1;
      if (keep[k] && row[p] > 0) out.push(p);
    }
    return out;
  }

  // onsets.rise_frames
  function riseFrames(row, peaks) {
    const out = [];
    let previous = -1;
    for (const p of peaks) {
      const lo = Math.max(previous + 1, p - ED.max_rise, 0);
      let trough = lo;
      for (let k = lo + 1; k <= p; k++) if (row[k] < row[trough]) trough = k;
      let best = -1, bestRise = -Infinity;
      for (let k = trough + 1; k <= p; k++) {
        const r = k === 0 ? 0 : row[k] - row[k - 1];
        if (r > bestRise) { bestRise = r; best = k; }
      }
      out.push(best < 0 ? p : best);
      previous = p;
    }
    return out;
  }

  // Per drum, what does not depend on the offset: the normalized median, the row's
  // maximum and the candidate peaks.
  const prepared = rows.map((row) => {
    let top = 0;
    for (let i = 0; i < row.length; i++) if (row[i] > top) top = row[i];
    let median = null;
    if (top > 0) {
      const normalized = new Float64Array(row.length);
      for (let i = 0; i < row.length; i++) normalized[i] = row[i] / top;
      median = medianFilter(normalized, ED.window_frames);
    }
    return { top, median, peaks: candidates(row, ED.min_frames) };
  });

  function threshold(d, offset) {
    const p = prepared[d], n = rows[d].length, out = new Float64Array(n);
    if (!(p.top > 0)) { out.fill(Infinity); return out; }
    for (let i = 0; i < n; i++) out[i] = (p.median[i] + offset) * p.top;
    return out;
  }

  // silence.confidence: the strength in dB between the floor (0) and the level (1)
  function confidenceOf(d, s) {
    const db = 20 * Math.log10(Math.max(s, 1e-12) / ED.levels[d]);
    return Math.min(1, Math.max(0, 1 + db / ED.confidence_depth));
  }

  // onsets.pick_adaptive: {frames, strengths}, with each hit's confidence and articulation
  function pickAdaptive(d, offset) {
    const row = rows[d], thr = threshold(d, offset);
    const peaks = prepared[d].peaks.filter((p) => row[p] > thr[p]);
    const frames = ED.timing === "rise" ? riseFrames(row, peaks) : peaks.slice();
    const named = ED.articulation_at[d];
    return {
      frames, strengths: peaks.map((p) => row[p]), threshold: thr,
      confs: peaks.map((p) => confidenceOf(d, row[p])),
      arts: peaks.map((p) => named[String(p)] || drums[d]),
    };
  }
  const keepHit = (out, onsets, k) => {
    out.frames.push(onsets.frames[k]); out.strengths.push(onsets.strengths[k]);
    out.confs.push(onsets.confs[k]); out.arts.push(onsets.arts[k]);
  };

  // numpy.percentile(values, 90) with the default "linear" method, operation by operation.
  function percentile90(values) {
    const a = Float64Array.from(values).sort(), n = a.length;
    const v = (n - 1) * (90 / 100);
    const prev = v >= n - 1 ? n - 1 : Math.floor(v);
    const next = v >= n - 1 ? n - 1 : prev + 1;
    const gamma = v >= n - 1 ? v + 1 : v - prev;
    const lo = a[prev], hi = a[next], diff = hi - lo;
    return gamma >= 0.5 ? hi - diff * (1 - gamma) : lo + diff * gamma;
  }

  // onsets.gate_onsets
  function gateOnsets(onsets, d) {
    const G = ED.share_gate;
    let minimum = G.minimum;
    if (minimum === 0 || !onsets.frames.length) return onsets;
    const row = share[d];
    const near = onsets.frames.map((f) => {
      let m = 0;
      for (let k = Math.max(0, f - G.before); k <= Math.min(row.length - 1, f + G.after); k++) if (row[k] > m) m = row[k];
      return m;
    });
    if (G.relative > 0) minimum = Math.min(minimum, G.relative * percentile90(near));
    const out = { frames: [], strengths: [], confs: [], arts: [], threshold: onsets.threshold };
    near.forEach((v, k) => { if (v >= minimum) keepHit(out, onsets, k); });
    return out;
  }

  // onsets.suppress_crosstalk
  function suppressCrosstalk(picked) {
    const X = ED.crosstalk;
    const maxOver = (e, lo, hi) => {
      let m = 0;
      for (let f = lo; f < Math.min(hi, e.length); f++) if (e[f] > m) m = e[f];
      return m;
    };
    return picked.map((onsets, d) => {
      const out = { frames: [], strengths: [], confs: [], arts: [], threshold: onsets.threshold };
      onsets.frames.forEach((f, k) => {
        const lo = Math.max(0, f - X.before), hi = f + X.after + 1;
        const mine = maxOver(energy[d], lo, hi);
        let keep = true;
        for (const o of X.rivals[d]) {
          const other = picked[o].frames;
          if (!other.length) continue;
          let nearest = Infinity;
          for (const g of other) nearest = Math.min(nearest, Math.abs(g - f));
          if (nearest <= X.coincide && X.ratio * maxOver(energy[o], lo, hi) > mine) { keep = false; break; }
        }
        if (keep) keepHit(out, onsets, k);
      });
      return out;
    });
  }

  // The pipeline's picks for these offsets (one per drum).
  function pickAll(offsets) {
    let picked = offsets.map((o, d) => pickAdaptive(d, o));
    if (ED.share_gate) picked = picked.map((p, d) => gateOnsets(p, d));
    if (ED.crosstalk) picked = suppressCrosstalk(picked);
    return picked;
  }

  // ------------------------------------------------------------------ edits (drumnmf.editing)
  function editStrength(d, frame) {
    const row = rows[d];
    let m = 0;
    for (let f = frame; f <= Math.min(row.length - 1, frame + ED.max_rise); f++) if (row[f] > m) m = row[f];
    return m;
  }
  const frameOf = (t) => roundHalfEven(t / fs);

  // Apply edits to picks: returns per drum a Map frame -> [strength, confidence, articulation]
  // (a hand-added hit is certain and of the drum itself), and the ignored count.
  function applyEdits(picked, edits) {
    const state = picked.map((p) => new Map(p.frames.map((f, k) => [f, [p.strengths[k], p.confs[k], p.arts[k]]])));
    const added = (d, f) => [editStrength(d, f), 1, drums[d]];
    let ignored = 0;
    for (const e of edits) {
      const d = drums.indexOf(e.drum);
      const f = frameOf(e.time);
      if (e.edit === "add") {
        if (state[d].has(f)) ignored++;
        else state[d].set(f, added(d, f));
        continue;
      }
      if (!state[d].has(f)) { ignored++; continue; }
      state[d].delete(f);
      if (e.edit === "reassign") {
        const to = drums.indexOf(e.to);
        if (!state[to].has(f)) state[to].set(f, added(to, f));
      }
    }
    return { state, ignored };
  }

  // ------------------------------------------------------------------ state
  const offsets = ED.offsets.slice();
  const moved = new Set(Object.keys(ED.configured_offsets).map((d) => drums.indexOf(d)));
  const baseEdits = ED.edits.slice(); // edits already in the transcription
  const edits = [];
  const undo = [];
  // Picks start as the pipeline's own (exact frames and strengths from Python).
  let picks = ED.frames.map((frames, d) => ({
    frames: frames.slice(), strengths: ED.strengths[d].slice(),
    confs: ED.confidences[d].slice(), arts: ED.articulations[d].slice(),
  }));
  let current = null; // per drum: {frames, strengths} after edits
  let lastIgnored = 0;

  function recompute(repick) {
    if (repick) {
      picks = pickAll(offsets);
      picks.forEach((p, d) => updateThreshold(d, p.threshold));
      // The page's initial hits already include the transcription's own edits.
    }
    const { state, ignored } = applyEdits(picks, repick ? baseEdits.concat(edits) : edits);
    lastIgnored = ignored;
    const previous = current;
    current = state.map((m) => {
      const frames = Array.from(m.keys()).sort((a, b) => a - b);
      return {
        frames, strengths: frames.map((f) => m.get(f)[0]),
        confs: frames.map((f) => m.get(f)[1]), arts: frames.map((f) => m.get(f)[2]),
      };
    });
    current.forEach((c, d) => {
      // Only a drum whose hits changed is redrawn (and loses its reference matches).
      const old = previous ? previous[d] : { frames: ED.frames[d], strengths: ED.strengths[d] };
      const same = old.frames.length === c.frames.length
        && old.frames.every((f, k) => f === c.frames[k] && old.strengths[k] === c.strengths[k]);
      if (same) return;
      I.setHits(d, c.frames.map((f) => f * fs), c.strengths, c.confs, c.arts);
      const count = document.querySelector('[data-count="' + drums[d] + '"]');
      if (count) count.textContent = "(" + c.frames.length + ")";
    });
    showStatus();
  }
  let repicked = false; // once a slider moved, picks come from the port (else from Python)

  function updateThreshold(d, thr) {
    const scale = I.drums[d].scale, bytes = new Uint8Array(thr.length);
    for (let i = 0; i < thr.length; i++) {
      const v = Math.round(thr[i] / scale * 255);
      bytes[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    I.setThreshold(d, bytes);
  }

  function setOffset(d, value, record) {
    if (!ED.live) return;
    if (record) undo.push({ kind: "offset", d, before: offsets[d], wasMoved: moved.has(d) });
    offsets[d] = value;
    moved.add(d);
    const slider = $("ed-offset-" + d);
    if (Number(slider.value) !== value) slider.value = String(value);
    $("ed-offset-" + d + "-value").textContent = String(value);
    repicked = true;
    recompute(true);
  }

  function addEdit(edit) {
    edits.push(edit);
    undo.push({ kind: "edit" });
    recompute(repicked);
  }

  function undoLast() {
    const step = undo.pop();
    if (!step) return;
    if (step.kind === "edit") { edits.pop(); recompute(repicked); return; }
    offsets[step.d] = step.before;
    if (!step.wasMoved) moved.delete(step.d);
    $("ed-offset-" + step.d).value = String(step.before);
    $("ed-offset-" + step.d + "-value").textContent = String(step.before);
    recompute(true);
  }

  // ------------------------------------------------------------------ selection and clicks
  let chosen = null; // {d, frame}
  function choose(d, frame) {
    chosen = d === null ? null : { d, frame };
    const on = !!chosen;
    $("ed-delete").disabled = !on;
    $("ed-reassign").disabled = !on;
    $("ed-prelisten").disabled = !on;
    $("ed-reassign").value = "";
    if (on) {
      const i = current[d].frames.indexOf(frame);
      if (i >= 0) I.selectHit(d, i);
    }
    showStatus();
  }

  I.setEditHook((click) => {
    if (!$("ed-mode").checked) return false;
    if (click.mark) {
      const d = click.mark.d, frame = current[d].frames[click.mark.i];
      choose(d, frame);
      return true;
    }
    if (click.row < 0) return true;
    const frame = Math.max(0, Math.min(rows[click.row].length - 1, roundHalfEven(click.t / fs)));
    addEdit({ edit: "add", drum: drums[click.row], time: frame * fs });
    choose(click.row, frame);
    return true;
  });

  function deleteChosen() {
    if (!chosen) return;
    addEdit({ edit: "delete", drum: drums[chosen.d], time: chosen.frame * fs });
    choose(null);
  }
  function reassignChosen(to) {
    if (!chosen || to === chosen.d) return;
    addEdit({ edit: "reassign", drum: drums[chosen.d], time: chosen.frame * fs, to: drums[to] });
    choose(to, chosen.frame);
  }
  function prelisten() {
    if (!chosen) return;
    I.clickTrackOn();
    I.playFrom(Math.max(0, chosen.frame * fs - 1.0));
  }

  // ------------------------------------------------------------------ export
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  }

  // Python's format(x, ".6g"): round half to even on the exact binary value (JavaScript's
  // toPrecision rounds ties up), then %g's choice between fixed and exponent notation.
  function formatG(x, p) {
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    const sign = x < 0 ? "-" : "", a = Math.abs(x);
    let digits, e;
    if (a >= 1e-7 && a < 1e21) {
      // toFixed(100) is the exact decimal expansion of any double in this range.
      const [ip, fp] = a.toFixed(100).split(".");
      const all = (ip + fp).replace(/^0+/, "");
      e = ip !== "0" ? ip.length - 1 : -(fp.search(/[1-9]/) + 1);
      digits = all.replace(/0+$/, "");
    } else {
      const [m, ex] = a.toExponential(20).split("e");
      digits = m.replace(".", "").replace(/0+$/, "");
      e = Number(ex);
    }
    let head = digits.slice(0, p).padEnd(p, "0").split("").map(Number);
    const rest = digits.slice(p);
    const up = rest.length > 0 && (rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || head[p - 1] % 2 === 1)));
    if (up) {
      let i = p - 1;
      while (i >= 0 && head[i] === 9) head[i--] = 0;
      if (i >= 0) head[i]++;
      else { head = [1, ...head.slice(0, p - 1)]; e++; }
    }
    const text = head.join("");
    const strip = (t) => (t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t);
    if (e < -4 || e >= p) {
      const ae = Math.abs(e);
      return sign + strip(text[0] + "." + text.slice(1)) + "e" + (e < 0 ? "-" : "+") + (ae < 10 ? "0" + ae : String(ae));
    }
    if (e >= 0) return sign + strip(text.slice(0, e + 1) + "." + text.slice(e + 1));
    return sign + strip("0." + "0".repeat(-e - 1) + text);
  }

  // io.export.onset_table: (time, drum, strength, confidence, articulation) sorted by time,
  // then drum name.
  function onsetRows() {
    const out = [];
    current.forEach((c, d) => c.frames.forEach((f, k) => out.push([f * fs, drums[d], c.strengths[k], c.confs[k], c.arts[k]])));
    out.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return out;
  }

  function csvText() {
    const lines = ["time,drum,strength,confidence"];
    for (const [t, d, s, c] of onsetRows()) lines.push(t.toFixed(6) + "," + d + "," + formatG(s, 6) + "," + c.toFixed(4));
    return lines.join("\n") + "\n";
  }

  function noteMap(name) {
    return ED.note_maps.find((m) => m.name === name);
  }

  // io.export.write_midi, then the bytes mido writes (format 1, one track, running status).
  function midiBytes(mapName) {
    const map = noteMap(mapName);
    if (!map || map.missing.length) throw new Error("note map " + mapName + " has no note for " + (map ? map.missing.join(", ") : "?"));
    const M = ED.midi;
    const tps = M.ticks_per_beat * 1e6 / M.tempo;
    // io.tempomap.TempoMap.ticks: piecewise linear between beats, the lead-in before.
    const TM = M.tempo_map;
    const tick = (t) => {
      if (!TM) return roundHalfEven(t * tps);
      const b = TM.beats, n = b.length;
      if (t < b[0]) return roundHalfEven(b[0] > 0 ? t / b[0] * TM.lead : 0);
      let i = 0;
      while (i + 1 < n && b[i + 1] <= t) i++;
      i = Math.min(i, n - 2);
      return roundHalfEven(TM.lead + (i + (t - b[i]) / (b[i + 1] - b[i])) * TM.step);
    };
    const events = [];
    current.forEach((c, d) => {
      const name = drums[d], note = map.notes[name];
      const pedal = Object.prototype.hasOwnProperty.call(map.pedal, name) ? map.pedal[name] : null;
      const top = c.strengths.length ? Math.max(...c.strengths) : 1;
      c.frames.forEach((f, k) => {
        const t = f * fs;
        const level = M.velocity_levels[d];
        let v = level ? roundHalfEven(M.level_velocity * c.strengths[k] / level)
          : roundHalfEven(20 + 107 * c.strengths[k] / (top || 1));
        v = Math.min(127, Math.max(1, v));
        const on = tick(t), off = tick(t + M.note_seconds);
        if (pedal !== null) events.push([on, 1, note, 0, pedal]);
        events.push([on, 1, note, 1, v]);
        events.push([off, 0, note, 1, 0]);
      });
    });
    events.sort((a, b) => {
      for (let i = 0; i < 5; i++) if (a[i] !== b[i]) return a[i] - b[i];
      return 0;
    });
    const vlq = (n) => {
      const out = [n & 0x7f];
      n = Math.floor(n / 128);
      while (n > 0) { out.unshift((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
      return out;
    };
    const tempo = (v) => [0xff, 0x51, 0x03, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
    // Meta events (tick, bytes), written before the notes at their tick.
    const metas = TM
      ? [[0, [0xff, 0x58, 0x04, TM.numerator, Math.log2(TM.denominator), 24, 8]]].concat(
        TM.tempos.map(([at, v]) => [at, tempo(v)]))
      : [[0, tempo(M.tempo)]];
    const track = [];
    let now = 0, running = null, m = 0;
    const flushMetas = (upTo) => {
      while (m < metas.length && metas[m][0] <= upTo) {
        track.push(...vlq(metas[m][0] - now), ...metas[m][1]);
        now = metas[m][0];
        running = null;
        m++;
      }
    };
    for (const [at, on, note, isNote, value] of events) {
      flushMetas(at);
      track.push(...vlq(at - now));
      now = at;
      const bytes = isNote ? [on ? 0x99 : 0x89, note, value] : [0xb9, M.pedal_control, value];
      if (bytes[0] === running) track.push(bytes[1], bytes[2]);
      else track.push(...bytes);
      running = bytes[0];
    }
    flushMetas(Infinity);
    track.push(0, 0xff, 0x2f, 0x00);
    const u32 = (n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    const tpb = M.ticks_per_beat;
    const file = [
      0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, 1, 0, 1, (tpb >> 8) & 0xff, tpb & 0xff,
      0x4d, 0x54, 0x72, 0x6b, ...u32(track.length), ...track,
    ];
    return new Uint8Array(file);
  }

  function allEdits() { return baseEdits.concat(edits); }

  function offsetsDoc() {
    const out = {};
    for (const d of Array.from(moved).sort((a, b) => a - b)) out[drums[d]] = offsets[d];
    return out;
  }

  function jsonText() {
    const doc = JSON.parse(JSON.stringify(ED.document));
    doc.onsets = onsetRows().map(([t, d, s, c, a]) => Object.assign(
      { time: Number(t.toFixed(6)), drum: d, strength: s, confidence: Number(c.toFixed(4)) },
      a !== d ? { articulation: a } : {}));
    const counts = {};
    current.forEach((c, d) => { counts[drums[d]] = c.frames.length; });
    doc.counts = counts;
    doc.config.offsets = offsetsDoc();
    const list = allEdits();
    if (list.length) doc.edits = list;
    return JSON.stringify(doc, null, 2) + "\n";
  }

  function command() {
    const parts = ["drumnmf transcribe " + ED.audio_name];
    const note = ED.pipeline_flags.filter((f) => f.startsWith("#"));
    parts.push(...ED.pipeline_flags.filter((f) => !f.startsWith("#")));
    for (const [d, v] of Object.entries(offsetsDoc())) parts.push("--threshold-offset " + d + "=" + v);
    if (allEdits().length) parts.push("--edits " + ED.stem + ".edited.json");
    const map = $("ed-note-map").value;
    if (map !== "kit") parts.push("--note-map " + map);
    return parts.join(" ") + (note.length ? "  " + note.join(" ") : "");
  }

  function download(name, data, type) {
    const url = URL.createObjectURL(new Blob([data], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function showStatus() {
    const n = edits.length, changed = moved.size;
    const parts = [];
    if (n) parts.push(n + " edit" + (n > 1 ? "s" : ""));
    if (changed) parts.push(changed + " drum threshold" + (changed > 1 ? "s" : "") + " set");
    if (lastIgnored) parts.push(lastIgnored + " edit(s) no longer apply");
    if (chosen) parts.push("selected: " + drums[chosen.d] + " at " + (chosen.frame * fs).toFixed(3) + " s");
    $("ed-status").textContent = parts.length ? parts.join(" · ") : "No changes.";
    $("ed-undo").disabled = !undo.length;
    $("ed-command").textContent = command();
  }

  // ------------------------------------------------------------------ wiring
  for (let d = 0; d < nDrums; d++) {
    const slider = $("ed-offset-" + d);
    if (!ED.live) { slider.disabled = true; continue; }
    slider.addEventListener("change", () => setOffset(d, Number(slider.value), true));
    slider.addEventListener("input", () => { $("ed-offset-" + d + "-value").textContent = slider.value; });
  }
  $("ed-delete").addEventListener("click", deleteChosen);
  $("ed-reassign").addEventListener("change", () => {
    const v = $("ed-reassign").value;
    if (v !== "") reassignChosen(Number(v));
  });
  $("ed-prelisten").addEventListener("click", prelisten);
  $("ed-undo").addEventListener("click", undoLast);
  $("ed-note-map").addEventListener("change", showStatus);
  $("ed-csv").addEventListener("click", () => download(ED.stem + ".csv", csvText(), "text/csv"));
  $("ed-midi").addEventListener("click", () => download(ED.stem + ".mid", midiBytes($("ed-note-map").value), "audio/midi"));
  $("ed-json").addEventListener("click", () => download(ED.stem + ".edited.json", jsonText(), "application/json"));
  document.addEventListener("keydown", (ev) => {
    const el = ev.target || {}, tag = el.tagName || "";
    // Typing keys belong to text fields; checkboxes and sliders keep their own arrows.
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && /^(text|number|search)$/.test(el.type))) return;
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "z") { undoLast(); ev.preventDefault(); }
    else if (ev.key === "Delete" || ev.key === "Backspace") { if (chosen) { deleteChosen(); ev.preventDefault(); } }
    else if ((ev.key === "e" || ev.key === "E") && tag !== "INPUT") { $("ed-mode").checked = !$("ed-mode").checked; }
  });

  recompute(false);

  // ------------------------------------------------------------------ scripting hooks
  R.editor = {
    live: ED.live,
    offsets: () => offsets.slice(),
    setOffset: (name, value) => setOffset(drums.indexOf(name), value, true),
    // The port's picks for the current offsets, without edits: {drum: [frames]}.
    repick: () => {
      const out = {};
      pickAll(offsets).forEach((p, d) => { out[drums[d]] = p.frames; });
      return out;
    },
    frames: () => Object.fromEntries(current.map((c, d) => [drums[d], c.frames.slice()])),
    add: (name, time) => addEdit({ edit: "add", drum: name, time: roundHalfEven(time / fs) * fs }),
    remove: (name, time) => addEdit({ edit: "delete", drum: name, time: roundHalfEven(time / fs) * fs }),
    reassign: (name, time, to) => addEdit({ edit: "reassign", drum: name, time: roundHalfEven(time / fs) * fs, to }),
    undo: undoLast,
    edits: () => allEdits(),
    csv: csvText,
    json: jsonText,
    midi: (name) => Array.from(midiBytes(name || $("ed-note-map").value)),
    command,
    formatG,
    ready: true,
  };
})();
