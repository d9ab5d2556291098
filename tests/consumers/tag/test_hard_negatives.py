"""Every hard negative listed in consumers/tag/gazetteer.yaml has a test case.

The cases are parametrized over the YAML itself: a form added to `hard_negatives` without a case here fails
`test_every_hard_negative_has_a_case`. Each case is a sentence plus what must NOT be found in it (concept ids or
sides). Sentences marked (corpus) are real text from the research corpus (feeds and pages saved from public
GitHub repositories, see tests/fixtures/corpus/pages/README.md); the others are short hand-written ones,
allowed here only, for forms the corpus does not carry.
"""

import pytest

from consumers.tag.gazetteer import load_gazetteer
from consumers.tag.matcher import Matcher
from consumers.tag.stage import classify

RAW = load_gazetteer().raw["hard_negatives"]
YAML_FORMS = [(group, str(form)) for group, spec in RAW.items() for form in spec.get("forms") or []]

NK = {"NK"}
RU = {"RU"}
CHROME_TAIL = "রাশিয়ার সঙ্গে উত্তর কোরিয়ার সামরিক সহযোগিতা চুক্তি অনুমোদন"  # a related headline below the cut

CASES = {
    # south_korea: South Korea (with Russia, too) is not North Korea
    ("south_korea", "দক্ষিণ কোরিয়া"): ("দক্ষিণ কোরিয়া ও রাশিয়ার মধ্যে বাণিজ্য আলোচনা হয়েছে", NK),
    ("south_korea", "দক্ষিণ কোরীয়"): ("দক্ষিণ কোরীয় প্রেসিডেন্ট মস্কোর সঙ্গে আলোচনা চান", NK),
    ("south_korea", "দ. কোরিয়া"): ("বিমানের শব্দে পরীক্ষার্থীদের সমস্যা হবে ভেবে দেশজুড়ে সব ফ্লাইট বন্ধ রাখল দ. কোরিয়া",
                                   NK),  # (corpus) Kaler Kantho world feed
    ("south_korea", "সিউল"): ("সিউল ও মস্কোর সম্পর্কে টানাপোড়েন বাড়ছে", NK),
    ("south_korea", "সিওল"): ("সিওলে রুশ দূতাবাসের সামনে বিক্ষোভ হয়েছে", NK),
    ("south_korea", "ইউন সুক-ইওল"): ("প্রেসিডেন্ট ইউন সুক-ইওল রাশিয়াকে সতর্ক করেছেন", NK),
    ("south_korea", "লি জে-মিয়ং"): ("লি জে-মিয়ং দক্ষিণ কোরিয়ার প্রেসিডেন্ট নির্বাচিত হয়েছেন", NK),
    ("south_korea", "ইয়োনহাপ"): ("বার্তা সংস্থা ইয়োনহাপ জানিয়েছে, রাশিয়ার একটি জাহাজ বন্দরে ভিড়েছে", NK),
    ("south_korea", "South Korea"): ("South Korea ও রাশিয়ার বাণিজ্য আলোচনা", NK),
    ("south_korea", "Seoul"): ("Seoul রুশ রাষ্ট্রদূতকে তলব করেছে", NK),
    ("south_korea", "Yonhap"): ("Yonhap জানিয়েছে, রাশিয়ার একটি জাহাজ বন্দরে ভিড়েছে", NK),
    # korean_entertainment: Korean pop culture is not North Korea; কিম of a celebrity is not Kim Jong Un
    ("korean_entertainment", "কে-ড্রামা"): ("কে-ড্রামা দেখতে রাশিয়ার তরুণেরাও আগ্রহী", NK),
    ("korean_entertainment", "কোরিয়ান ড্রামা"): ("কোরিয়ান ড্রামার জনপ্রিয়তা মস্কোতেও বাড়ছে", NK),
    ("korean_entertainment", "কে-পপ"): ("কে-পপ তারকাদের কনসার্ট হবে মস্কোয়", NK),
    ("korean_entertainment", "বিটিএস"): ("বিটিএসের নতুন অ্যালবাম প্রকাশিত হয়েছে", NK),
    ("korean_entertainment", "ব্ল্যাকপিংক"): ("ব্ল্যাকপিংকের কনসার্টে দর্শকের ভিড়", NK),
    ("korean_entertainment", "কিম সু-হিউন"): ("কিম সু-হিউনের নতুন নাটক মুক্তি পেয়েছে", NK),
    ("korean_entertainment", "কিম কার্দাশিয়ান"): ("কিম কার্দাশিয়ানের নতুন ছবি ভাইরাল", NK),
    ("korean_entertainment", "কিমচি"): ("রুশ রাঁধুনিরা কিমচি খেতে ভালোবাসেন", NK),
    ("korean_entertainment", "K-drama"): ("K-drama দেখতে রাশিয়ার তরুণেরাও আগ্রহী", NK),
    ("korean_entertainment", "K-pop"): ("K-pop তারকাদের কনসার্ট হবে মস্কোয়", NK),
    ("korean_entertainment", "BTS"): ("BTS-এর নতুন অ্যালবাম প্রকাশিত হয়েছে", NK),
    # ukraine_war_russia_only: the Ukraine war names Russia but no North Korea; Zelensky is no Putin
    ("ukraine_war_russia_only", "জেলেনস্কি"): (
        "ইকোনমিস্টকে জেলেনস্কি: ক্রিমিয়ায় রাশিয়ার সক্ষমতা কমানো ইউক্রেনের এ বছরের অগ্রাধিকার", NK | {"putin"}),  # (corpus)
    ("ukraine_war_russia_only", "ভলোদিমির জেলেনস্কি"): (
        "ইউক্রেনের প্রেসিডেন্ট ভলোদিমির জেলেনস্কি ২০২৪ সালে বিপুল অস্ত্রশস্ত্র তৈরির পরিকল্পনা করেছেন",
        NK | {"putin"}),  # (corpus, Prothom Alo 2024-01-02, first words of the lead)
    ("ukraine_war_russia_only", "ভ্লাদিমির জেলেনস্কি"): ("ভ্লাদিমির জেলেনস্কি রাশিয়ার হামলার নিন্দা করেছেন",
                                                       NK | {"putin"}),
    ("ukraine_war_russia_only", "কিয়েভ"): ("কিয়েভে রাশিয়ার ড্রোন হামলায় তিনজন নিহত", NK),
    ("ukraine_war_russia_only", "কিভ"): ("কিভে রুশ ক্ষেপণাস্ত্র হামলা", NK),
    ("ukraine_war_russia_only", "খারকিভ"): ("খারকিভে রুশ বাহিনীর গোলাবর্ষণ চলছে", NK),
    ("ukraine_war_russia_only", "দনবাস"): ("রাশিয়া যেকোনো মূল্যে দনবাস দখল করবে: পুতিন", NK),  # (corpus) Banglanews24
    ("ukraine_war_russia_only", "জাখারোভা"): ("রুশ পররাষ্ট্র মন্ত্রণালয়ের মুখপাত্র জাখারোভা বলেছেন", NK),
    # nk_us_or_nk_only: NK with the US, NK tests, or a missile test by Russia: no Russia–NK relation
    ("nk_us_or_nk_only", "ট্রাম্প-কিম"): ("ট্রাম্প-কিম বৈঠক নিয়ে উত্তর কোরিয়ার বিবৃতি", RU),
    ("nk_us_or_nk_only", "সিঙ্গাপুর শীর্ষ বৈঠক"): ("সিঙ্গাপুর শীর্ষ বৈঠকের পর উত্তর কোরিয়া আলোচনা বন্ধ করে", RU),
    ("nk_us_or_nk_only", "হ্যানয়"): ("হ্যানয়ে উত্তর কোরিয়া ও যুক্তরাষ্ট্রের বৈঠক ভেস্তে যায়", RU),
    ("nk_us_or_nk_only", "ক্ষেপণাস্ত্র পরীক্ষা"): (
        "বিতর্কিত দ্বীপের কাছে রাশিয়ার ক্ষেপণাস্ত্র পরীক্ষা, জাপানের প্রতিবাদ", NK),  # (corpus) Khaborer Kagoj
    ("nk_us_or_nk_only", "আইসিবিএম"): ("উত্তর কোরিয়া নতুন আইসিবিএম উৎক্ষেপণ করেছে", RU),
    ("nk_us_or_nk_only", "পরমাণু কর্মসূচি"): ("উত্তর কোরিয়ার পরমাণু কর্মসূচি নিয়ে যুক্তরাষ্ট্রের উদ্বেগ", RU),
    # sports: a match between the two countries is not a relation story (no alert)
    ("sports", "বিশ্বকাপ"): ("বিশ্বকাপ বাছাইপর্বে রাশিয়ার মুখোমুখি উত্তর কোরিয়া", set()),
    ("sports", "বাছাইপর্ব"): ("বাছাইপর্বের ম্যাচে উত্তর কোরিয়ার কাছে হারল রাশিয়া", set()),
    ("sports", "বাছাই"): ("অলিম্পিক বাছাইয়ে রাশিয়া ও উত্তর কোরিয়া এক গ্রুপে", set()),
    ("sports", "অনূর্ধ্ব"): ("অনূর্ধ্ব-১৭ বিশ্বকাপে উত্তর কোরিয়া ও রাশিয়ার ম্যাচ ড্র", set()),
    ("sports", "টাইব্রেকার"): ("টাইব্রেকারে রাশিয়াকে হারাল উত্তর কোরিয়া, ম্যাচ শেষে উল্লাস", set()),
    ("sports", "ফিফা"): ("ফিফা র‍্যাঙ্কিংয়ে রাশিয়া ও উত্তর কোরিয়া, বিশ্বকাপ স্বপ্ন", set()),
    ("sports", "অলিম্পিক"): ("অলিম্পিক টেবিল টেনিসে উত্তর কোরিয়া ও রাশিয়ার অ্যাথলেট", set()),
    ("sports", "গোল"): ("দুই গোলে রাশিয়াকে হারিয়ে ম্যাচ জিতল উত্তর কোরিয়া", set()),
    ("sports", "ম্যাচ"): ("ম্যাচে উত্তর কোরিয়ার কাছে হারল রাশিয়া, বিশ্বকাপ বাছাইপর্ব", set()),
    ("sports", "কোরিয়া ডিপিআর"): ("বাছাইপর্বের ম্যাচে কোরিয়া ডিপিআর ও রাশিয়া মুখোমুখি", set()),
    ("sports", "অ্যাথলেট"): ("উত্তর কোরিয়া ও রাশিয়ার অ্যাথলেটরা অলিম্পিকে", set()),
    ("sports", "টেনিস"): ("টেবিল টেনিসে রাশিয়াকে হারাল উত্তর কোরিয়া, ম্যাচ জিতে উল্লাস", set()),
    # lexical_collisions: never a concept hit (same sentences as test_matcher.HARD_NEGATIVE_SENTENCES)
    ("lexical_collisions", "পুটিন (poutine)"): ("মেনুতে আছে কানাডার পুটিন আর ফ্রেঞ্চ ফ্রাই", RU | NK),
    ("lexical_collisions", "তাস খেলা"): ("রাতে তাস খেলার সময় দুই পক্ষের সংঘর্ষে একজন আহত হয়েছেন", RU | NK),
    ("lexical_collisions", "রুশদি"): ("সালমান রুশদির নতুন বই প্রকাশিত হয়েছে", RU | NK),
    ("lexical_collisions", "রাশিফল"): ("আজকের রাশিফল: মেষ রাশির জাতকদের দিনটি ভালো যাবে", RU | NK),
    ("lexical_collisions", "রাশি"): ("মেষ রাশির জাতকদের জন্য দিনটি শুভ", RU | NK),
    ("lexical_collisions", "রাশান সালাদ"): ("বিয়েবাড়ির খাবারে ছিল রাশান সালাদ ও পোলাও", RU | NK),
    ("lexical_collisions", "রুশ বিপ্লব"): ("১৯১৭ সালের রুশ বিপ্লব নিয়ে আলোচনা সভা", RU | NK),
    ("lexical_collisions", "কিম কার্দাশিয়ান"): ("কিম কার্দাশিয়ানের নতুন ছবি ভাইরাল", RU | NK),
    # page_chrome: the marker line ends the body; the related headline below it is not matched
    ("page_chrome", "আরও পড়ুন"): ("আরও পড়ুন", RU | NK),
    ("page_chrome", "এই বিভাগের আরও"): ("এই বিভাগের আরও", RU | NK),
    ("page_chrome", "সম্পর্কিত সংবাদ"): ("সম্পর্কিত সংবাদ", RU | NK),
    ("page_chrome", "মন্তব্য করুন"): ("মন্তব্য করুন", RU | NK),
    ("page_chrome", "বিভাগ :"): ("বিভাগ :", RU | NK),
    ("page_chrome", "Read more"): ("Read more", RU | NK),
}


def _forbidden_hits(tag, forbidden):
    return [(e.id, e.form) for e in tag.entities if e.id in forbidden or e.side in forbidden]


def test_every_hard_negative_has_a_case():
    missing = [key for key in YAML_FORMS if key not in CASES]
    stale = [key for key in CASES if key not in YAML_FORMS]
    assert not missing, f"hard negatives in gazetteer.yaml without a test case: {missing}"
    assert not stale, f"test cases for forms no longer in gazetteer.yaml: {stale}"


@pytest.mark.parametrize("group,form", YAML_FORMS, ids=[f"{g}:{f}" for g, f in YAML_FORMS])
def test_hard_negative(group, form):
    if (group, form) not in CASES:
        pytest.fail(f"no test case for hard negative {group}:{form}")
    sentence, forbidden = CASES[(group, form)]
    matcher = Matcher()
    if group == "page_chrome":
        paragraphs = ["ঢাকায় আজ দিনভর বৃষ্টি হয়েছে, আবহাওয়া অধিদপ্তর জানিয়েছে।", sentence, CHROME_TAIL]
        tag = matcher.tag("", paragraphs)
        assert tag.chrome_cut_at == 1, (form, tag.chrome_cut_at)
        assert _forbidden_hits(tag, forbidden) == []
        assert classify("", paragraphs)["alert"] is False
        return
    tag = matcher.tag("", [sentence])
    assert any(n.kind == group for n in tag.negatives), f"{form!r} not marked as {group} in {sentence!r}"
    assert _forbidden_hits(tag, forbidden) == [], sentence
    assert classify("", [sentence])["alert"] is False, sentence
    assert classify(sentence, [])["alert"] is False, sentence  # as a headline, too
