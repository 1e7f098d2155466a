"""The query mix replayed against every engine, drawn from the corpus with a fixed seed.

Four kinds, in the proportions an agent produces them: short plain queries, the
keystroke-by-keystroke prefixes of a phrase being typed (every prefix from the third
character on, in order, because that is how the search box sends them), misspellings,
and hostile input (operators, punctuation, unicode) that must never raise. Queries that
come from one article remember it, so the benchmark can also say whether each engine
found what the agent was looking for.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kb.article import ArticleDraft, Status

SEED = 7
_WORD = re.compile(r"[^\W\d_]+")
_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "be",
        "can",
        "do",
        "for",
        "if",
        "in",
        "is",
        "it",
        "may",
        "must",
        "no",
        "not",
        "of",
        "on",
        "our",
        "please",
        "should",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "we",
        "when",
        "will",
        "with",
        "you",
        "your",
        "after",
        "before",
    ]
)

HOSTILE = (
    '"unbalanced quote',
    "(open [bracket {brace",
    "refund AND NOT bill OR",
    "title:refund body:",
    "caller* ?ill ~2 ^3 +-",
    "NEAR(refund bill, 2)",
    "refund -bill",
    "'; DROP TABLE articles; --",
    "\\\\ // || && !!",
    "😡😡 refund",
    "réfund çaller naïve",
    "ＲＥＦＵＮＤ　ｂｉｌｌ",
    "שלום עולם",
    "مرحبا بكم",
    "退款 账单",
    "e\u0301scalation",
    "\x00\x01 caller",
    "E-DOCK-101",
    "e-dock-",
    "***",
    "?",
    "-",
    "a" * 400,
    "caller " * 80,
)


class Kind(StrEnum):
    PLAIN = "plain"
    TYPING = "typing"
    TYPO = "typo"
    HOSTILE = "hostile"


@dataclass(frozen=True)
class Query:
    text: str
    kind: Kind
    target: str | None = None  # the slug an agent typing this is looking for
    final: bool = True  # False for the keystrokes before a typed phrase is complete


@dataclass(frozen=True)
class MixSize:
    plain: int
    sessions: int
    typos: int
    hostile: int


FULL_MIX = MixSize(plain=200, sessions=24, typos=100, hostile=40)
QUICK_MIX = MixSize(plain=12, sessions=2, typos=6, hostile=len(HOSTILE))


def query_mix(
    articles: Sequence[ArticleDraft], size: MixSize = FULL_MIX, seed: int = SEED
) -> list[Query]:
    """The same list for the same corpus and seed; typing sessions stay in key order."""
    rng = random.Random(seed)
    published = [a for a in articles if a.status is Status.PUBLISHED]
    plain = [_plain(rng, rng.choice(published)) for _ in range(size.plain)]
    typos = [_typo(rng, rng.choice(published)) for _ in range(size.typos)]
    hostile = [Query(text, Kind.HOSTILE) for text in _hostile(rng, size.hostile)]
    sessions = [_session(rng, rng.choice(published)) for _ in range(size.sessions)]
    # Interleave single queries between whole sessions, as a shift of calls would.
    singles = plain + typos + hostile
    rng.shuffle(singles)
    mix: list[Query] = []
    step = max(1, len(singles) // max(1, len(sessions)))
    for number, session in enumerate(sessions):
        mix += singles[number * step : (number + 1) * step]
        mix += session
    mix += singles[len(sessions) * step :]
    return mix


def _content_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if w.lower() not in _SMALL and len(w) > 2]


def _plain(rng: random.Random, article: ArticleDraft) -> Query:
    """One to three words from the title, an alias, a tag or the text of one article."""
    source = rng.choice(
        [article.title, *article.aliases, " ".join(article.tags), article.body[:2000]]
    )
    words = _content_words(source) or _content_words(article.title) or ["caller"]
    start = rng.randrange(len(words))
    return Query(" ".join(words[start : start + rng.randint(1, 3)]), Kind.PLAIN, article.slug)


def _session(rng: random.Random, article: ArticleDraft) -> list[Query]:
    """Every prefix, from the third character on, of a phrase an agent types for ``article``."""
    phrase = rng.choice([article.title.lower(), *article.aliases])
    return [
        Query(phrase[:end], Kind.TYPING, article.slug, final=end == len(phrase))
        for end in range(3, len(phrase) + 1)
    ]


def _typo(rng: random.Random, article: ArticleDraft) -> Query:
    """A title or alias word of five letters or more, mistyped once, beside its neighbours."""
    words = _content_words(rng.choice([article.title, *article.aliases]))
    long = [i for i, w in enumerate(words) if len(w) >= 5] or [0]
    at = rng.choice(long)
    words = words or ["escalation"]
    words[at] = _misspell(rng, words[at])
    chosen = words[max(0, at - rng.randint(0, 1)) : at + 1 + rng.randint(0, 1)]
    return Query(" ".join(chosen), Kind.TYPO, article.slug)


def _misspell(rng: random.Random, word: str) -> str:
    """One slip of the finger: a letter dropped, doubled, swapped or replaced."""
    at = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    match rng.randrange(4):
        case 0:
            return word[:at] + word[at + 1 :]
        case 1:
            return word[:at] + word[at] + word[at:]
        case 2 if at + 1 < len(word):
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        case _:
            return word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1 :]


def _hostile(rng: random.Random, count: int) -> list[str]:
    """The fixed nasty cases, then random runs of operators, punctuation and unicode."""
    alphabet = string.punctuation + " ¿¡«»—…€😀🙃\u200b\u202e\ufeffßİıΣσЖж日本"
    texts = list(HOSTILE[:count])
    while len(texts) < count:
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        texts.append(rng.choice(["", "refund ", "caller "]) + noise)
    return texts
