"""Story assignment: seeds form four stories; versioned, idempotent Alerts that survive a restart."""

import dataclasses

from bnwatch import metrics
from bnwatch.records import Alert, Article
from consumers.stories import StoryStage, assign_stories
from consumers.tag import TagStage


def test_five_seeds_form_four_stories(seeds):
    items = [(k, r["title"], r["paragraphs"], r["published_at"]) for k, r in sorted(seeds.items())]
    got = dict(assign_stories(items))
    assert got["seed-000"] == got["seed-003"]  # Kim meets Belousov, 29 Nov 2024 (Inqilab / Thanh Nien)
    assert len(set(got.values())) == 4
    # the CLI's .txt case has no publication times
    got = dict(assign_stories([(k, t, p, None) for k, t, p, _ in items]))
    assert got["seed-000"] == got["seed-003"] and len(set(got.values())) == 4


def _article(seed, url, outlet, published_at=None):
    art = Article(url=url, canonical_url=url, outlet=outlet, title=seed["title"], paragraphs=seed["paragraphs"],
                  published_at=published_at or seed["published_at"], discovered_at=published_at or seed["published_at"],
                  content_hash=Article.hash_content(seed["title"], seed["paragraphs"]))
    return TagStage().process(art)[0]


def _count(kind):
    return metrics.alerts_raised.labels(rule="ru-nk", kind=kind)._value.get()


def test_new_update_redelivery_and_restart(tmp_path, seeds):
    db = tmp_path / "stories.sqlite3"
    stage = StoryStage(db)
    assert stage.name == "stories" and stage.input_type is Article
    new0, upd0 = _count("new"), _count("update")
    inqilab = _article(seeds["seed-000"], "https://dailyinqilab.com/international/news/700001", "dailyinqilab")
    [a1] = stage.process(inqilab)
    assert isinstance(a1, Alert) and a1.version == 1 and a1.id == f"{a1.story_id}:v1" and a1.rule == "ru-nk"
    assert a1.articles[0]["outlet"] == "dailyinqilab" and a1.articles[0]["url"].endswith("700001")
    assert Alert.from_json(a1.to_json()) == a1
    # the same event from another outlet (a translation, different words): an update of the same story
    vn = _article(seeds["seed-003"], "https://www.vietnam.vn/en/kim-belousov", "vietnam.vn")
    [a2] = stage.process(vn)
    assert a2.story_id == a1.story_id and a2.version == 2 and a2.id.endswith(":v2")
    assert [a["outlet"] for a in a2.articles] == ["dailyinqilab", "vietnam.vn"]
    assert a2.discovered_at == min(inqilab.discovered_at, vn.discovered_at)
    assert (_count("new") - new0, _count("update") - upd0) == (1, 1)
    # redelivery (e.g. the stage crashed before Kafka acknowledged its output): the very same alerts again,
    # never a new version and never a new count; notify delivers each (story, version) once
    assert stage.process(vn) == [a2] and stage.process(inqilab) == [a1]
    assert (_count("new") - new0, _count("update") - upd0) == (1, 1)
    # a different story stays separate
    [other] = stage.process(_article(seeds["seed-004"], "https://dailyinqilab.com/international/news/690000",
                                     "dailyinqilab"))
    assert other.story_id != a1.story_id and other.version == 1
    stage.close()
    # restart on the same database: no re-alert, versions continue
    stage = StoryStage(db)
    assert stage.process(vn) == [a2] and stage.process(inqilab) == [a1]
    copy = dataclasses.replace(vn, url="https://www.jugantor.com/international/1", canonical_url="https://www.jugantor.com/international/1",
                               outlet="jugantor")
    # a near-verbatim copy on a third outlet joins the story without an alert of its own: outlets joining are
    # announced together (issue #13: one alert per event, updates for material changes)
    assert stage.process(copy) == []
    assert (_count("new") - new0, _count("update") - upd0) == (2, 1)
    more = ["samakal", "ittefaq", "kalbela", "bdnews24"]
    alerts = [stage.process(dataclasses.replace(copy, url=f"https://{o}.example/x", canonical_url=f"https://{o}.example/x",
                                                outlet=o)) for o in more]
    assert alerts[:3] == [[], [], []], "one update per joining outlet"
    [a3] = alerts[3]  # the fifth outlet since the last alert: one update names them all
    assert a3.story_id == a1.story_id and a3.version == 3
    assert "outlets joined bdnews24,ittefaq,jugantor,kalbela,samakal" in a3.evidence[0]
    assert (_count("new") - new0, _count("update") - upd0) == (2, 2)
    stage.close()


def test_non_alerting_article_gives_nothing(tmp_path, labelled):
    r = next(x for x in labelled if x["category"] == "russia-other")
    art = TagStage().process(Article(url="u", canonical_url="u", outlet="jugantor", title=r["title"],
                                     paragraphs=r["paragraphs"]))[0]
    assert StoryStage(tmp_path / "s.db").process(art) == []


def test_same_outlet_same_story_without_new_facts_is_silent(tmp_path, seeds):
    stage = StoryStage(tmp_path / "s.db")
    a = _article(seeds["seed-002"], "https://dailyinqilab.com/a", "dailyinqilab")
    assert len(stage.process(a)) == 1
    b = dataclasses.replace(a, url="https://dailyinqilab.com/amp/a", canonical_url="https://dailyinqilab.com/amp/a")
    assert stage.process(b) == []


def test_the_index_stays_bounded_and_still_knows_a_redelivered_article(seeds):
    """Months of stories: what can no longer join a story leaves memory; the database keeps `keep` of history
    (dedupe of a redelivered article reads it), then forgets that too."""
    from datetime import datetime, timedelta, timezone

    from consumers.stories.index import StoryIndex
    from consumers.stories.stage import article_features

    index = StoryIndex(":memory:", retain=timedelta(hours=96), keep=timedelta(days=30))
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    seed = seeds["seed-002"]
    sizes = []
    for day in range(60):
        url = f"https://dailyinqilab.com/news/{day}"
        art = Article(url=url, canonical_url=url, outlet="dailyinqilab", title=f"{seed['title']} {day}",
                      paragraphs=seed["paragraphs"], published_at=(start + timedelta(days=day)).isoformat())
        index.assign(article_features(art), seen_at=(start + timedelta(days=day)).isoformat())
        sizes.append(len(index.features))
    assert max(sizes) <= 5, sizes  # four days of articles, whatever the run's length
    day5 = article_features(Article(url="https://dailyinqilab.com/news/45", canonical_url="https://dailyinqilab.com/news/45",
                                    outlet="dailyinqilab", title=f"{seed['title']} 45", paragraphs=seed["paragraphs"],
                                    published_at=(start + timedelta(days=45)).isoformat()))
    assert day5.key not in index.features and index.known(day5.canonical_url, day5.content_hash)
    assert index.assign(day5).kind == "duplicate"  # redelivered after it left memory: not a second alert
    (articles,) = index.db.execute("SELECT COUNT(*) FROM articles").fetchone()
    assert articles <= 31, articles  # the database keeps 30 days


def test_the_same_headline_over_different_texts_is_one_story_within_the_window_only():
    """Issue #13: two articles with the same headline stayed apart (outlets print an agency's headline over a text
    of their own). Real headline of the labelled set; the bodies are the outlets' own wording."""
    title = "উ. কোরিয়া-রাশিয়ার সম্পর্ক আরও গভীর করার বার্তা দিলেন কিম ও পুতিন"
    got = dict(assign_stories([
        ("a", title, ["উত্তর কোরিয়ার নেতা কিম জং উন এবং রাশিয়ার প্রেসিডেন্ট ভ্লাদিমির পুতিন দ্বিপাক্ষিক সম্পর্ক আরও "
                      "জোরদারের অঙ্গীকার পুনর্ব্যক্ত করেছেন।"], "2025-08-15T10:00:00+06:00"),
        ("b", title, ["জাপানি ঔপনিবেশিক শাসন থেকে মুক্তির বার্ষিকীতে দুই নেতা বার্তা বিনিময় করেছেন।"],
         "2025-08-15T18:00:00+06:00"),
        ("c", title, ["জাপানি ঔপনিবেশিক শাসন থেকে মুক্তির বার্ষিকীতে দুই নেতা বার্তা বিনিময় করেছেন।"],
         "2026-08-15T18:00:00+06:00"),  # a year later: another year's message, another story
    ]))
    assert got["a"] == got["b"] != got["c"]


def test_figures_are_what_a_story_reports_not_when_it_was_written():
    """A dateline's clock, a year and a day-and-month date are not new figures (they made a same-event article
    from another outlet an update); counts and amounts are."""
    from consumers.stories.index import extract

    def numbers(text):
        return extract(canonical_url="u", content_hash="h", outlet="o", url="u", title="", texts=[text],
                       published_at=None, discovered_at=None, entities=[]).numbers

    assert numbers("৩০ নভেম্বর ২০২৪, ০৭:৩৫ পিএম | আপডেট: ৩০ নভেম্বর ২০২৪, ১১:০৫:১২") == set()
    assert numbers("২০২৪ সালের জুনে চুক্তি হয়, জুন ২০২৪") == set()
    assert numbers("ঢাকা, ০৭ঃ৩৫ পিএম") == set()  # the visarga written for the colon
    assert numbers("১০,০০০ সেনা ও ৫০০টি ক্ষেপণাস্ত্র, ১২.৫ শতাংশ") == {"10000", "500", "12.5"}
    assert numbers("২০০০ সেনা পাঠানো হয়েছে") == {"2000"}  # a count, not a year
