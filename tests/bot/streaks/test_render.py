from __future__ import annotations

from datetime import UTC, date, datetime

from bot.render import TOTAL_LIMIT
from bot.streaks.heatmap import heatmap_grid
from bot.streaks.leaderboard import Board, Entry
from bot.streaks.progress import Progress
from bot.streaks.render import (
    count_of,
    leaderboard_embed,
    privacy_text,
    private_streak_text,
    progress_embed,
    recorded_text,
    reminder_text,
    streak_embed,
    timezone_text,
    undone_text,
)
from bot.streaks.rules import Streak

TODAY = date(2025, 6, 18)


def streak(current: int, longest: int | None = None, cadence: str = "daily") -> Streak:
    return Streak(current, longest or current, cadence, TODAY, True)  # type: ignore[arg-type]


def test_counts_are_pluralised_in_the_streak_unit() -> None:
    assert [count_of(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert count_of(1, "week") == "1 week"


def test_recorded_answer_says_whether_it_counted_and_escapes_the_heading() -> None:
    assert recorded_text("Goals *of* the_movement", streak(3), new=True) == (
        "Marked “Goals \\*of\\* the\\_movement” as read. Your streak: **3 days**."
    )
    again = recorded_text("Goals", streak(1, cadence="weekly"), new=False)
    assert again == "You already marked “Goals” as read today. Your streak: **1 week**."


def test_undo_answer_names_the_reading_and_its_day() -> None:
    assert undone_text("tc:goals:1", date(2025, 6, 1)) == (
        "Removed your reading of `tc:goals:1` (Jun 1, 2025)."
    )


def test_progress_embed_has_a_bar_and_share_per_text() -> None:
    spec = progress_embed(
        [Progress("tc", "Techno_communist", 3, 12), Progress("ai", "Anti-AI", 0, 0)]
    )
    assert spec.title == "Your reading progress"
    first, second = spec.description.split("\n\n")
    assert first == "**Techno\\_communist**\n`▰▰▰▰▰▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱` 3/12 sections (25%)"
    assert second.endswith("0/0 sections (0%)") and "▰" not in second


def test_streak_embed_fields_and_heatmap_caption() -> None:
    grid = heatmap_grid({TODAY: 3, date(2025, 6, 17): 1}, TODAY)
    last = datetime(2025, 6, 18, 9, 30, tzinfo=UTC)
    spec = streak_embed("*alice*", streak(2, 9), last, "Europe/Berlin", grid)
    assert spec.title == "\\*alice\\*'s reading streak"
    assert [(f.name, f.value, f.inline) for f in spec.fields] == [
        ("Current", "2 days", True),
        ("Longest", "9 days", True),
        ("Last reading", f"<t:{int(last.timestamp())}:R>", True),
    ]
    assert spec.footer == "Last 26 weeks in Europe/Berlin: 2 days, 4 readings"
    nothing = streak_embed(
        "bob", Streak(0, 0, "weekly", None, False), None, "UTC", heatmap_grid({}, TODAY)
    )
    assert [f.value for f in nothing.fields] == ["0 weeks", "0 weeks", "none yet"]
    assert nothing.footer == "Last 26 weeks in UTC: 0 days, 0 readings"


def test_private_streak_says_only_that_it_is_private() -> None:
    assert private_streak_text("b_o_b") == "b\\_o\\_b keeps their streak private."


def test_leaderboard_page_with_ties_details_and_the_viewers_place() -> None:
    board = Board(
        "attendance",
        "month",
        1,
        12,
        [Entry(11, 5, 0.5, "1/2"), Entry(11, 6, 0.5, "1/2")],
        Entry(3, 7, 0.75, "3/4"),
    )
    spec = leaderboard_embed(board, "day")
    assert spec.title == "Meeting attendance — this month"
    assert spec.description == "**11.** <@5> — 50% (1/2)\n**11.** <@6> — 50% (1/2)"
    assert [(f.name, f.value) for f in spec.fields] == [("You", "place 3 — 75%")]
    assert spec.footer == "Page 2 of 2 · members who opted out are hidden"

    weekly = leaderboard_embed(Board("streak", "all", 0, 1, [Entry(1, 5, 1.0)], None), "week")
    assert weekly.description == "**1.** <@5> — 1 week" and weekly.fields == ()
    empty = leaderboard_embed(Board("sections", "week", 0, 0, [], None), "day")
    assert empty.description == "Nobody is on this board yet."
    assert empty.footer.startswith("Page 1 of 1")


def test_a_full_leaderboard_page_fits_discord() -> None:
    entries = [Entry(i + 1, 10**18 + i, 10**6, "9" * 50) for i in range(10)]
    spec = leaderboard_embed(Board("sections", "all", 0, 10, entries, entries[0]), "day")
    assert spec.total_length() <= TOTAL_LIMIT
    assert spec.description.count("\n") == 9


def test_me_answers() -> None:
    assert timezone_text("Asia/Tokyo").startswith("Your streak days now follow **Asia/Tokyo**.")
    assert "server's time zone" in timezone_text(None)
    assert "left out of leaderboards" in privacy_text(True)
    assert "appear on leaderboards" in privacy_text(False)
    at = datetime(2025, 6, 18, 5, 5, tzinfo=UTC)
    assert reminder_text(7 * 60 + 5, at) == (
        f"I will DM you at 07:05 your time (next <t:{int(at.timestamp())}:f>) on days you have "
        "not read yet."
    )
    assert reminder_text(None, None) == "Your reading reminder is off."
