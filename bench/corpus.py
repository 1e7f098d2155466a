"""A deterministic, playbook-like corpus: same seed, same articles, on every machine.

Real playbooks are not word salad, and how a search engine performs depends on how
words spread over documents, so the generator imitates three properties of real ones:

- a few general service words (caller, customer, account) appear in almost every
  article, while topic words (refund, router, courier) cluster in their category;
- each article is *about* something: two to four subject words, often a product or
  place name from a long tail of pronounceable made-up words, recur through its text
  and make up its title, aliases and tags, which is what agents then type;
- the long tail makes the dictionary large (40,000+ distinct words at 10,000
  articles), which is what makes prefix and typo expansion expensive.

Articles follow the house layout (when to use it, what to say, what to avoid, steps),
are 150–600 words long, and now and then quote an error code such as ``E-KDPT-204``.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.article import ArticleDraft, Status

SEED = 20240611
MIN_WORDS = 150
MAX_WORDS = 600
TAIL_WORDS = 24_000
# Share of body words by source; the rest are small words.
SUBJECT_SHARE = 0.07
TOPIC_SHARE = 0.22
GENERAL_SHARE = 0.12
TAIL_SHARE = 0.18
CODE_SHARE = 0.004


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


GENERAL = _words(
    """caller customer call agent account help problem issue team time today phone
    number service request check confirm update note record process step need question
    answer information detail support system policy manager day week month hour minute
    person colleague company product message explain ask tell offer start end again
    first last next change open closed status work way part case reply wait sure"""
)

FUNCTION = _words(
    """the a an to and of in for on with is are be it you your we our they their
    this that if when before after not no can will should must may please do"""
)

TOPICS: dict[str, tuple[str, ...]] = {
    "opening": _words(
        """greeting introduction name welcome hello thanks morning afternoon verify
        identity security passcode pin birth postcode surname spelling pronunciation
        tone voice pace script opening consent recording disclosure language
        interpreter accent hearing"""
    ),
    "understanding": _words(
        """goal need reason clarify paraphrase summarise listen acknowledge empathy
        patience confused worried anxious elderly vulnerable situation context
        background history previous expectation outcome priority concern example
        misunderstanding assumption"""
    ),
    "information": _words(
        """reference address email postcode document proof upload photo receipt form
        letter statement evidence screenshot serial model version location contact
        lookup search database portal"""
    ),
    "conflict": _words(
        """complaint angry upset frustrated shouting yelling swearing insult threat abuse
        crying calm respect boundary apology sorry blame argument dispute disagreement
        deescalate venting rude sarcasm"""
    ),
    "boundaries": _words(
        """lane department rule scope permission authorisation legal advice medical
        financial opinion promise guarantee refuse decline redirect specialist expert
        limit exception discretion confidentiality privacy"""
    ),
    "escalation": _words(
        """escalate escalation supervisor specialist lead handoff transfer hold queue
        priority severity urgent emergency safety ticket case callback investigate
        referral senior tier backlog"""
    ),
    "closing": _words(
        """close summary recap next confirm promise callback follow deadline goodbye
        survey feedback rating satisfaction resolution outcome reminder timeframe
        expectation wrap"""
    ),
    "billing": _words(
        """bill billing invoice payment charge fee refund credit debit balance overdue
        late card bank statement tariff price discount voucher compensation goodwill
        chargeback deposit instalment arrears adjustment backdate waive"""
    ),
    "technical": _words(
        """device router modem signal outage network connection internet coverage
        roaming data usage error code screen restart reboot reinstall configure
        firmware password login reset app website browser cable wifi"""
    ),
    "accounts": _words(
        """holder owner authorised representative membership member tier premium basic
        plan contract subscription renewal upgrade downgrade cancel cancellation
        closure bereavement executor estate ownership joint"""
    ),
    "delivery": _words(
        """delivery order shipment package parcel courier tracking lost damaged missing
        wrong return exchange replacement warranty repair collection dispatch depot
        driver signature neighbour doorstep delay slot booking reschedule"""
    ),
    "compliance": _words(
        """regulator ombudsman complaint legal fraud security privacy consent recording
        protection vulnerable safeguarding audit evidence retention disclosure
        verification identity breach lawyer"""
    ),
}
CATEGORIES = tuple(TOPICS)

_WORD = re.compile(r"\w+")
_ONSETS = _words("b br c ch cl d dr f fl g gr h j k l m n p pl qu r s sh st t tr v w z")
_VOWELS = _words("a e i o u ai ea ou y")
_CODAS = ("", *_words("n r l s t x nd rk st m"))


@dataclass(frozen=True)
class _Zipf:
    """Words with cumulative Zipf weights, for ``random.choices``."""

    words: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, words: Sequence[str], exponent: float = 1.0, offset: int = 1) -> _Zipf:
        weights = (1.0 / (rank + offset) ** exponent for rank in range(len(words)))
        return cls(tuple(words), tuple(itertools.accumulate(weights)))

    def draw(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


@dataclass(frozen=True)
class Vocabulary:
    general: _Zipf
    topics: dict[str, _Zipf]
    tail: _Zipf
    names: tuple[str, ...]  # tail words that can be an article's subject


def vocabulary(seed: int = SEED) -> Vocabulary:
    """The service words plus a long tail of pronounceable product and place names."""
    rng = random.Random(seed)
    seen = set(GENERAL) | set(FUNCTION) | {w for words in TOPICS.values() for w in words}
    tail: list[str] = []
    while len(tail) < TAIL_WORDS:
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((1, 2, 2, 3)))
        )
        if len(word) >= 4 and word not in seen:
            seen.add(word)
            tail.append(word)
    return Vocabulary(
        general=_Zipf.of(GENERAL, exponent=0.6),
        topics={name: _Zipf.of(words, exponent=0.6) for name, words in TOPICS.items()},
        tail=_Zipf.of(tail, offset=30),
        names=tuple(tail[:8_000]),
    )


class _Writer:
    """Writes one article about its subject, from one seeded generator."""

    def __init__(self, rng: random.Random, vocab: Vocabulary, category: str) -> None:
        self.rng = rng
        self.vocab = vocab
        self.topic = vocab.topics[category]
        topic_subjects = self.topic.draw(rng, rng.randint(1, 3))
        names = [rng.choice(vocab.names) for _ in range(rng.choice((0, 1, 1, 2)))]
        self.subject = list(dict.fromkeys(topic_subjects + names))

    def content_word(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            return self.topic.draw(self.rng)[0]
        if roll < 0.75:
            return self.vocab.general.draw(self.rng)[0]
        return self.vocab.tail.draw(self.rng)[0]

    def phrase(self, low: int, high: int) -> list[str]:
        return [self.content_word() for _ in range(self.rng.randint(low, high))]

    def sentence(self) -> list[str]:
        """6–18 words mixed from every source in the proportions declared above."""
        rng = self.rng
        words = []
        for _ in range(rng.randint(6, 18)):
            roll = rng.random()
            if roll < SUBJECT_SHARE:
                words.append(rng.choice(self.subject))
            elif (roll := roll - SUBJECT_SHARE) < TOPIC_SHARE:
                words.append(self.topic.draw(rng)[0])
            elif (roll := roll - TOPIC_SHARE) < GENERAL_SHARE:
                words.append(self.vocab.general.draw(rng)[0])
            elif (roll := roll - GENERAL_SHARE) < TAIL_SHARE:
                words.append(self.vocab.tail.draw(rng)[0])
            elif roll - TAIL_SHARE < CODE_SHARE:
                words.append(self.code())
            else:
                words.append(rng.choice(FUNCTION))
        return words

    def code(self) -> str:
        letters = "".join(self.rng.choice("ABCDEFGHKMNPRSTUVWXZ") for _ in range(4))
        return f"E-{letters}-{self.rng.randint(100, 999)}"


def generate(count: int, seed: int = SEED) -> list[ArticleDraft]:
    """``count`` articles; the first ``n`` are the same whatever the count."""
    vocab = vocabulary(seed)
    return [
        _article(number, random.Random(seed * 1_000_003 + number), vocab) for number in range(count)
    ]


def _article(number: int, rng: random.Random, vocab: Vocabulary) -> ArticleDraft:
    category = CATEGORIES[number % len(CATEGORIES)]
    writer = _Writer(rng, vocab, category)
    title_words = writer.subject + writer.phrase(0, 2)
    rng.shuffle(title_words)
    title = _sentence_case(" ".join(title_words))
    aliases = tuple(_alias(writer) for _ in range(rng.randint(1, 4)))
    tags = tuple(dict.fromkeys([*writer.subject[:2], *writer.topic.draw(rng, rng.randint(1, 3))]))
    return ArticleDraft(
        slug=f"{'-'.join(title_words[:3])}-{number}",
        title=title,
        body=_body(title, writer, rng.randint(MIN_WORDS, MAX_WORDS - 20)),
        category=category,
        tags=tags,
        aliases=aliases,
        status=Status.DRAFT if number % 50 == 49 else Status.PUBLISHED,
    )


def _alias(writer: _Writer) -> str:
    """What an agent would type for this article: a subject word among a few others."""
    rng = writer.rng
    words = [rng.choice(writer.subject), *writer.phrase(1, 3)]
    rng.shuffle(words)
    if rng.random() < 0.3:
        words.insert(0, rng.choice(FUNCTION))
    return " ".join(words)


def _body(title: str, writer: _Writer, target: int) -> str:
    """Markdown in the house layout, ``target`` words long give or take one sentence."""
    rng = writer.rng
    lines = [f"# {title}", ""]
    count = 0

    def sentences(limit: int) -> Iterator[str]:
        nonlocal count
        produced = 0
        while produced < limit and count < target:
            words = writer.sentence()
            count += len(words)
            produced += 1
            yield _sentence_case(" ".join(words)) + "."

    lines += ["**When to use it:** " + " ".join(sentences(2)), "", "## What to say"]
    lines += [f'- "{s}"' for s in sentences(rng.randint(2, 4))]
    lines += ["", "## What to avoid"]
    lines += [f"- {s}" for s in sentences(rng.randint(2, 4))]
    lines += ["", "## Steps"]
    lines += [f"{i}. {s}" for i, s in enumerate(sentences(rng.randint(3, 6)), start=1)]
    while count < target:
        heading = _sentence_case(" ".join(writer.phrase(1, 3)))
        lines += ["", f"## {heading}", " ".join(sentences(4))]
    # Headings, step numbers and code parts are words too: trim back under the maximum.
    while word_count("\n".join(lines)) > MAX_WORDS:
        lines.pop()
    return "\n".join(lines) + "\n"


def word_count(markdown: str) -> int:
    """Words as a search engine sees them: every run of letters or digits."""
    return len(_WORD.findall(markdown))


def _sentence_case(text: str) -> str:
    """Capitalise the first letter only, leaving codes such as E-ABCD-123 as written."""
    return text[:1].upper() + text[1:]


def write_markdown(articles: Sequence[ArticleDraft], folder: Path) -> None:
    """The corpus as a playbook folder (CATEGORY/SLUG.md with front matter), for the CLI."""
    for article in articles:
        path = folder / article.category / f"{article.slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = [
            "---",
            f"slug: {article.slug}",
            f"title: {article.title}",
            f"category: {article.category}",
            f"tags: [{', '.join(article.tags)}]",
            "aliases:",
            *(f"  - {alias}" for alias in article.aliases),
            f"status: {article.status}",
            "---",
        ]
        path.write_text("\n".join(front) + "\n" + article.body, "utf-8")
