"""/report: a chart and a CSV of the weekly numbers, for facilitators and coordinators.

Both are drawn from one list of `models.oversight.Week`, so they always agree.
matplotlib is imported only when a report is made: it is big, and most
processes never draw anything.
"""

from __future__ import annotations

import csv
import functools
import io
import warnings

from telegram import Update

from bot.context import BuurtApplication, BuurtContext
from bot.i18n import Gettext
from handlers.commands import command_handler
from handlers.oversight import scope
from models import oversight

WIDTH, HEIGHT, DPI = 8, 5, 100


def table(weeks: list[oversight.Week]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["neighbourhood_id", "neighbourhood", "week", "active_groups", "requests_done"])
    for week in weeks:
        writer.writerow(
            [
                week.neighbourhood_id,
                week.title,
                week.week.isoformat(),
                week.active_groups,
                week.done,
            ]
        )
    return out.getvalue()


def _label(title: str) -> str:
    """A chat title as a legend label: matplotlib reads $…$ as maths (and fails on bad
    maths), and leaves out labels that start with an underscore."""
    label = title.replace("$", r"\$")
    return f" {label}" if label.startswith("_") else label


def chart(_: Gettext, weeks: list[oversight.Week]) -> bytes:
    """Two panels, one line per neighbourhood: active groups, and requests done."""
    with warnings.catch_warnings():
        # Emoji in titles have no glyph in the default font: drawn as boxes, not an error.
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        return _draw(_, weeks)


def _draw(_: Gettext, weeks: list[oversight.Week]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (top, bottom) = pyplot.subplots(2, 1, figsize=(WIDTH, HEIGHT), dpi=DPI, sharex=True)
    try:
        for neighbourhood_id in dict.fromkeys(w.neighbourhood_id for w in weeks):
            rows = [w for w in weeks if w.neighbourhood_id == neighbourhood_id]
            days = [w.week for w in rows]
            label = _label(rows[0].title)
            top.plot(days, [w.active_groups for w in rows], marker="o", label=label)
            bottom.plot(days, [w.done for w in rows], marker="o", label=label)
        top.set_title(_("Active groups per week"))
        bottom.set_title(_("Requests done per week"))
        for axes in (top, bottom):
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.grid(alpha=0.3)
        if weeks:
            top.legend(loc="upper left", fontsize="small")
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        pyplot.close(figure)
    return buffer.getvalue()


async def report(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    _ = context.gettext()
    weeks = await oversight.weekly(context.session, context.now, await scope(context, user.id))
    if not weeks:
        context.reply(update, _("There are no neighbourhoods yet."))
        return
    rows = table(weeks).encode()
    shown = len({week.week for week in weeks})
    caption = (
        _("The last {n} weeks, per neighbourhood.", n=shown)
        if shown > 1
        else _("This week, per neighbourhood.")
    )
    # Drawn after the commit and in a thread, so neither the database nor the loop waits.
    context.outbox.picture(chat.id, functools.partial(chart, _, weeks), caption)
    context.outbox.file(chat.id, "buurtbot-report.csv", rows)


def register(app: BuurtApplication) -> None:
    app.add_handler(command_handler("report", report))
