"""What a run resumed after a crash needs to recognise its own post in the channel."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.scheduling.content import PostPayload, question_content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import prompts as store
from bot.storage.database import Database

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_a_post_is_recognised_by_its_content_and_embed_title_only() -> None:
    question = PostPayload(content="**Discussion question**\nWhy read?")
    assert question.is_sent_as("**Discussion question**\nWhy read?", None)
    assert question.is_sent_as("**Discussion question**\nWhy read?\n", None)
    assert not question.is_sent_as("**Discussion question**\nWhy meet?", None)
    assert not question.is_sent_as("**Discussion question**\nWhy read?", "Opening")
    reading = PostPayload(content="**Reading**", embed_title="Opening", embed_text="...")
    assert reading.is_sent_as("**Reading**", "Opening")
    assert not reading.is_sent_as("**Reading**", "Chapter 2")
    assert not reading.is_sent_as("**Reading**", None)


async def test_messages_recorded_by_a_run_are_not_adopted_by_another(db: Database) -> None:
    rule = build_recurrence("daily", "UTC", now=NOW, at="18:00")
    schedule = await store.create_schedule(
        db, store.NewSchedule(1, 100, 7, question_content("Why read?"), rule), NOW
    )
    assert schedule.next_run_at is not None
    run = await store.claim_run(
        db,
        schedule,
        due_at=schedule.next_run_at,
        payload=PostPayload(content="x"),
        state={},
        next_run_at=None,
        now=NOW,
    )
    assert run is not None
    assert await store.recorded_message_ids(db, [555, 556]) == set()
    assert await store.recorded_message_ids(db, []) == set()
    await store.mark_posted(db, run.id, message_id=555, thread_id=None, now=NOW)
    assert await store.recorded_message_ids(db, [555, 556]) == {555}
