// drumnmf report: the engraved score follows playback; clicking a note plays from it.
// Reads the times of notes and bars from #drumnmf-score and drives the page's player
// through window.drumnmfReport (playFrom, currentTime) and the <audio id="audio"> element.
(() => {
  "use strict";
  const dataTag = document.getElementById("drumnmf-score");
  const pages = document.getElementById("score-pages");
  if (!dataTag || !pages) return;
  const data = JSON.parse(dataTag.textContent);
  const bars = data.bars.map((b) => ({ ...b, el: document.getElementById(b.id) }));
  let current = null;

  function barAt(t) {
    let lo = 0, hi = bars.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (bars[mid].start <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && t < bars[found].end ? found : -1;
  }

  function mark(index) {
    if (index === current) return;
    if (current !== null && current >= 0 && bars[current].el) bars[current].el.classList.remove("current");
    current = index;
    if (index >= 0 && bars[index].el) {
      bars[index].el.classList.add("current");
      const follow = document.getElementById("follow");
      if (!follow || follow.checked) {
        const r = bars[index].el.getBoundingClientRect();
        if (r.bottom > window.innerHeight || r.top < 0) {
          if (r.top > 0 && r.top < window.innerHeight * 2) bars[index].el.scrollIntoView({ block: "nearest" });
        }
      }
    }
  }

  function tick() {
    const report = window.drumnmfReport;
    if (report) mark(barAt(report.currentTime()));
    requestAnimationFrame(tick);
  }

  pages.addEventListener("click", (ev) => {
    let el = ev.target;
    while (el && el !== pages) {
      if (el.id && Object.prototype.hasOwnProperty.call(data.notes, el.id)) {
        const report = window.drumnmfReport;
        if (report) report.playFrom(data.notes[el.id]);
        return;
      }
      el = el.parentNode;
    }
  });

  window.drumnmfScore = {
    bars: () => bars.map((b) => ({ id: b.id, start: b.start, end: b.end })),
    current: () => current,
    noteTimes: () => ({ ...data.notes }),
  };
  requestAnimationFrame(tick);
})();
