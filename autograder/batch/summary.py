"""Progress while a batch grades, and the closing summary: the lines printed at the end, and
summary.png (the score histogram beside the pass rate of every check)."""

import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from ..files import printable, replacing
from . import outdir


@dataclass
class Report:
    """What a batch graded (``run``) or built (``merge``) in ``out``, and the lines saying so."""

    outcomes: list  # one Outcome per student of the class (of the shard, for a shard)
    rates: list  # (check, pass rate, count); empty for a shard
    missing: list  # keys of students not graded yet
    layout: str = "plain"
    shard: tuple | None = None
    lms_file: Path | None = None  # the LMS's import file (then ``layout`` names the LMS)
    out: Path | None = None
    lms_feedback: Path | None = None  # the zip of feedback pages for the LMS's bulk upload

    def __iter__(self):  # outcomes, rates = run(...)
        return iter((self.outcomes, self.rates))

    def lines(self) -> list[str]:
        """The closing summary: how it went, and where each file is."""
        lines, out = summary_lines(self.outcomes, self.rates), self.out
        if self.shard:
            lines.append(f"shard {self.shard[0]}/{self.shard[1]} done: {out}/students/; when "
                         f"every shard is done, build the gradebook with: python -m autograder "
                         f"batch --merge {out}")
        else:
            lines += [f"gradebook  {out / 'grades.csv'}", f"summary    {out / 'summary.png'}",
                      f"similarity {out / 'similarity.html'}",
                      f"feedback   {out}/{outdir.STUDENTS}/<student>/feedback.html"]
            if self.lms_file:
                lines.append(f"{self.layout:<10} {self.lms_file}")
            if self.lms_feedback:
                lines.append(f"{self.layout:<10} {self.lms_feedback}")
        if self.missing:
            lines.append(f"not graded yet ({len(self.missing)}): "
                         + printable(", ".join(self.missing[:20]))
                         + (" ..." if len(self.missing) > 20 else ""))
        return lines

    def failures(self) -> list[str]:
        """One line per submission the grader itself failed on (a batch with any fails)."""
        return [f"{printable(o.student)}: {printable(o.message)}" for o in self.outcomes
                if o.status in outdir.FAILED]


class Progress:
    """A progress bar on a terminal, one line per submission otherwise; never in files."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def update(self, outcome: outdir.Outcome):
        with self.lock:
            self.done += 1
            score = f"{outcome.score:g}/{outcome.max_score:g}" if outcome.max_score else "-"
            text = printable(f"{self.done}/{self.total} {outcome.student}: {score} "
                             f"({outcome.status})")
            if self.tty:
                width = 30
                filled = width * self.done // self.total
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text[:60]:<60}")
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"[{text}]\n")
            self.stream.flush()

    def interrupted(self):
        if self.tty:
            self.stream.write("\n")  # end the bar's line


def pass_rates(out: Path, students: list[str]) -> list[tuple[str, float, int]]:
    """(test name, fraction of graded submissions with full marks, count), lowest first."""
    passed, seen = {}, {}
    for student in students:
        path = outdir.results_of(out, student)
        if not path.is_file():
            continue
        results = outdir.load_results(path)
        if results["extra_data"]["status"] == "unreadable":
            continue
        for test in results["tests"]:
            seen[test["name"]] = seen.get(test["name"], 0) + 1
            passed[test["name"]] = passed.get(test["name"], 0) + (test["score"] >= test["max_score"])
    return sorted(((name, passed[name] / seen[name], seen[name]) for name in seen),
                  key=lambda row: (row[1], row[0]))


def summary_lines(outcomes: list[outdir.Outcome], rates) -> list[str]:
    import statistics

    statuses = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    scored = [o.score for o in outcomes if o.max_score]
    top = max((o.max_score for o in outcomes), default=0)
    lines = [f"{len(outcomes)} submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))]
    if scored:
        lines.append(f"scores out of {top:g}: mean {statistics.mean(scored):.1f}, median "
                     f"{statistics.median(scored):g}, min {min(scored):g}, max {max(scored):g}")
    hard = [r for r in rates if r[1] < 1][:8]
    if hard:
        lines.append("checks most often failed (share of readable submissions passing):")
        lines += [f"  {rate:>5.0%}  {name}" for name, rate, _ in hard]
    return [printable(line) for line in lines]


def wrap_label(name: str, width: int = 58, lines: int = 2) -> str:
    """A check name on at most ``lines`` lines of ``width``, broken between words only."""
    import textwrap

    wrapped = textwrap.wrap(name, width, break_long_words=False, break_on_hyphens=False)
    if len(wrapped) > lines:
        last = textwrap.shorten(" ".join(wrapped[lines - 1:]), width, placeholder=" ...")
        wrapped = wrapped[:lines - 1] + [last]
    return "\n".join(wrapped)


def summary_png(outcomes: list[outdir.Outcome], rates, out: Path) -> Path:
    """The score histogram beside the pass rate of every check."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = max((o.max_score for o in outcomes), default=1) or 1
    names = [wrap_label(name) for name, _, _ in rates]
    height = sum(0.16 + 0.12 * label.count("\n") for label in names)
    fig = Figure(figsize=(14, max(5.0, height + 1.8)), dpi=100)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.5]})
    left.hist([o.score for o in outcomes if o.max_score], bins=20, range=(0, top),
              color="#4477aa", edgecolor="white")
    left.set_xlabel(f"total score (out of {top:g})")
    left.set_ylabel("submissions")
    left.set_title(f"Scores of {len(outcomes)} submissions")
    left.yaxis.get_major_locator().set_params(integer=True)
    values = [rate * 100 for _, rate, _ in rates]
    positions, y = [], 0.0
    for label in names:  # a two-line label gets a taller row
        step = 1 + 0.7 * label.count("\n")
        positions.append(y + step / 2)
        y += step
    right.barh(positions, values, height=0.8,
               color=["#cc6677" if v < 100 else "#44aa99" for v in values])
    right.set_yticks(positions, names, fontsize=7)
    right.set_ylim(y, 0)
    right.set_xlim(0, 100)
    right.set_xlabel("% of readable submissions with full marks")
    right.set_title("Pass rate of every check (hardest first)")
    fig.tight_layout()
    fig.set_layout_engine("none")  # laid out: savefig need not draw it once more to lay it out
    with replacing(out) as handle:
        fig.savefig(handle, format="png")
    return Path(out)
