"""The static HTML course in a real browser: a reader can page through it with no network."""

from __future__ import annotations

from pathlib import Path

import pytest

from teacherkit import classroom

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_a_reader_pages_through_the_course_offline(context, guard, tmp_path):
    classroom.build_html(classroom.lesson_notebooks(ROOT / "notebooks"), tmp_path)
    lessons = [classroom.page_name(p) for p in classroom.lesson_notebooks(ROOT / "notebooks")]
    attempts_before = len(guard.attempts)
    page = context.new_page()
    try:
        page.goto((tmp_path / "index.html").as_uri())
        page.locator(f'a[href="{lessons[0]}"]').click()
        visited = []
        while True:
            page.wait_for_load_state()
            visited.append(Path(page.url).name)
            broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).length")
            assert broken == 0, f"{visited[-1]} shows {broken} broken image(s)"
            following = page.locator("nav.course a[rel=next]")
            if not following.count():
                break
            following.first.click()
    finally:
        page.close()
    assert visited == lessons
    assert guard.attempts[attempts_before:] == [], "a page tried to load something from outside"
