"""The phrasing coach: flags words that tend to inflame a caller and offers calmer wording.

Rules are data a supervisor writes (shipped in ``resources/phrasing/rules.yaml``,
later kept in the database), so the pattern language is plain words rather than
regular expressions: anyone who can write a note can write a rule, and no rule can
make the notes editor hang on a pathological expression.

Pattern syntax
--------------
- Alternatives are separated by ``|``: ``cancelled|canceled``.
- Each alternative is a word or a phrase, matched as whole words, ignoring case:
  ``broken`` flags "Broken" but not "unbroken".
- ``*`` at the end of a word means "any ending", so one rule covers inflected
  forms: ``cancel*`` flags cancel, cancels, cancelled, cancellation. At least three
  letters must come before it.
- A space between words matches any run of spaces or tabs, never a line break,
  so checking a whole note finds what checking each paragraph finds.
- An apostrophe matches ``'``, ``’``, ``‘``, ``ʼ`` or nothing (fast typists drop
  it): ``you're`` flags "you’re" and "youre".
- A hyphen between letters matches a hyphen, a space or nothing:
  ``non-compliant`` flags "non compliant" and "noncompliant".
- Every word starts with a letter or digit; other punctuation is refused.

A rule may name exceptions in ``unless`` (same syntax): a match that an exception
covers is not flagged, so ``broken`` can skip "broken down by month". An exception
may start at the flagged words or, when it opens with another word ("flat broke"),
up to three words before them.

Offsets are Python string indices (code points). Qt counts UTF-16 code units, which
differ after any emoji or other character beyond U+FFFF: use :func:`utf16_offsets`
or :func:`utf16_spans` before handing a flag to ``QSyntaxHighlighter.setFormat``.
Text is matched exactly as typed (not normalised) so offsets always point into the
editor's own text.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from companion.errors import InvalidInput
from companion.text import parse_choice

PATTERN_MAX = 300
SUGGESTION_MAX = 200
WHY_MAX = 300
MIN_STEM = 3
# An ``unless`` phrase may start at a match or up to this many words (and characters) before.
_UNLESS_WORDS = 3
_UNLESS_REACH = 80
_WORD_CACHE_MAX = 50_000

APOSTROPHES = "'\u2019\u2018\u02bc"
HYPHENS = "-\u2010\u2011"
_WORD = r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
# Possessive quantifiers: what follows a run is never part of it, and giving
# characters back could only cost time (a long run of spaces after "you").
_SPACE = r"[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]++"
_APOSTROPHE = "[" + APOSTROPHES + "]?"
_HYPHEN = "(?:[" + HYPHENS + "]|" + _SPACE + ")?+"
_RUN = re.compile(_WORD + "++")
_BEFORE = f"(?<!{_WORD})"
_AFTER = f"(?!{_WORD})"
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_SENTENCE_END = ".!?…\n\r\u2028\u2029"
_FIRST_PERSON = re.compile("i(?:[" + APOSTROPHES + "](?:m|ll|ve|d))?(?!\\w)", re.I)

RULES_SOURCE = "resources/phrasing/rules.yaml"

# A rule that fires on these is useless noise: it would underline nearly every note.
# fmt: off
EVERYDAY_WORDS = (
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "ask",
    "asked", "at", "back", "be", "because", "been", "before", "but", "by", "call", "called",
    "can", "card", "could", "customer", "date", "day", "did", "do", "does", "done", "email",
    "even", "every", "everything", "first", "for", "from", "get", "give", "go", "going", "good",
    "got", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in",
    "into", "is", "it", "its", "just", "know", "last", "let", "like", "look", "make", "me",
    "more", "my", "need", "new", "next", "no", "not", "now", "number", "of", "off", "ok",
    "okay", "on", "one", "only", "or", "order", "other", "our", "out", "over", "payment",
    "people", "phone", "please", "said", "same", "say", "see", "she", "so", "some", "soon",
    "still", "take", "tell", "thank", "thanks", "that", "the", "their", "them", "then", "there",
    "these", "they", "think", "this", "time", "to", "today", "told", "too", "two", "up", "us",
    "very", "want", "was", "way", "we", "week", "well", "were", "what", "when", "which", "who",
    "will", "with", "work", "would", "yes", "yesterday", "you", "your",
)
# fmt: on
EVERYDAY_SENTENCES = (
    "Customer called to check when the parcel will arrive.",
    "Confirmed the delivery address and a contact number.",
    "The payment went through this morning.",
    "She asked for a copy of the last three bills.",
    "He wants the appointment moved to next Tuesday.",
    "Read back the order number and the total.",
    "I will call you back tomorrow before noon.",
    "Thank you for waiting, I have the details here.",
    "Could you spell the street name for me, please?",
    "The engineer arrives between eight and ten.",
    "We sent the new card to the address on file.",
    "Let me check that for you.",
    "Is there anything else I can help you with today?",
    "The refund shows on the statement in a few days.",
    "Customer is happy with the plan and will keep it.",
    "Updated the email address on the account.",
    "Gave the reference number for the visit.",
    "The device turns on and the screen looks fine now.",
    "Agreed to a follow-up call on Friday afternoon.",
    "Explained how the monthly charge is worked out.",
)
_EVERYDAY_SHARE = 0.2


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"


@dataclass(frozen=True)
class PhrasingRule:
    """A word or phrase to avoid and what to say instead.

    ``replaceable`` is False when no wording drops in cleanly; the suggestion is then
    advice the agent rewrites by hand, and the editor offers no one-key replace.
    """

    id: str
    pattern: str
    suggestion: str
    why: str
    replaceable: bool = True
    severity: Severity = Severity.WARN
    enabled: bool = True
    unless: str = ""


@dataclass(frozen=True)
class Flag:
    """One flagged span: ``text[start:end]`` matched ``rule``."""

    start: int
    end: int
    text: str
    rule: PhrasingRule
    replacement: str

    @property
    def tooltip(self) -> str:
        if self.rule.replaceable:
            return f"Try “{self.replacement}”. {self.rule.why}"
        return f"Rephrase, for example: “{self.replacement}”. {self.rule.why}"


@dataclass(frozen=True)
class _Alternative:
    """One alternative of a pattern: its expression and the first word it must start with.

    ``key`` is the case-folded letters that open the first word; ``exact`` says the
    first word is only those letters (no ``*``, apostrophe or hyphen follows).
    """

    source: str
    key: str
    exact: bool


@dataclass(frozen=True)
class _Group:
    """Phrases opening with the same word; ``screen`` rules them all out in one call."""

    screen: re.Pattern[str]
    phrases: tuple[tuple[re.Pattern[str], int], ...]


class Coach:
    """Compiled rules, ready to check text as it is typed.

    A check walks the words of the text once and looks each up in a table keyed by
    the first word of every phrase; only where a word opens some phrase does a
    regular expression run. That keeps a check linear and cheap however many rules
    there are, so re-checking a paragraph per keystroke, or a large paste, stays fast.
    """

    def __init__(self, rules: Iterable[PhrasingRule]) -> None:
        self.rules = tuple(rule for rule in rules if rule.enabled)
        exact: dict[str, list[tuple[str, int]]] = {}
        prefix: dict[str, list[tuple[str, int]]] = {}
        self._unless: list[tuple[re.Pattern[str], bool] | None] = []
        for index, rule in enumerate(self.rules):
            label = _label(rule)
            alternatives = _parse(rule.pattern, f"{label}: the pattern")
            for alternative in alternatives:
                table = exact if alternative.exact else prefix
                table.setdefault(alternative.key, []).append((alternative.source, index))
            if not rule.unless.strip():
                self._unless.append(None)
                continue
            exceptions = _parse(rule.unless, f"{label}: 'unless'")
            longest_first = sorted((e.source for e in exceptions), key=len, reverse=True)
            keys = {alternative.key for alternative in alternatives}
            looks_back = any(exception.key not in keys for exception in exceptions)
            self._unless.append((_bounded(*longest_first), looks_back))
        self._exact = {key: _group(phrases) for key, phrases in exact.items()}
        self._prefix = {key: _group(phrases) for key, phrases in prefix.items()}
        self._groups_by_word: dict[str, tuple[_Group, ...]] = {}

    def check(self, text: str) -> list[Flag]:
        """Flags in ``text``, sorted and never overlapping; earliest, then longest, wins."""
        flags: list[Flag] = []
        if not self.rules:
            return flags
        pos = 0
        for word in _RUN.finditer(text):
            start = word.start()
            if start < pos:
                continue
            groups = self._groups_for(word.group())
            if not groups:
                continue
            found = self._best_at(text, start, groups)
            if found is None:
                continue
            end, rule = found
            matched = text[start:end]
            replacement = _adapt_case(rule.suggestion, text, start, matched)
            flags.append(Flag(start, end, matched, rule, replacement))
            pos = end
        return flags

    def _groups_for(self, word: str) -> tuple[_Group, ...]:
        groups = self._groups_by_word.get(word)
        if groups is None:
            folded = word.casefold()
            found = [self._exact[folded]] if folded in self._exact else []
            found += [group for key, group in self._prefix.items() if folded.startswith(key)]
            groups = tuple(found)
            if len(self._groups_by_word) >= _WORD_CACHE_MAX:
                self._groups_by_word.clear()
            self._groups_by_word[word] = groups
        return groups

    def _best_at(
        self, text: str, start: int, groups: tuple[_Group, ...]
    ) -> tuple[int, PhrasingRule] | None:
        found = []
        for group in groups:
            if group.screen.match(text, start) is None:
                continue
            for regex, index in group.phrases:
                match = regex.match(text, start)
                if match is not None:
                    found.append((-match.end(), index))
        for negative_end, index in sorted(found):
            if not self._excepted(index, text, start, -negative_end):
                return -negative_end, self.rules[index]
        return None

    def _excepted(self, index: int, text: str, start: int, end: int) -> bool:
        """Whether an ``unless`` phrase starting here, or a few words back, covers the match.

        Looking back is skipped for a rule whose exceptions all open with one of its
        own first words ("broken down" for ``broken``), which is the common case.
        """
        if (unless := self._unless[index]) is None:
            return False
        regex, looks_back = unless
        match = regex.match(text, start)
        if match is not None and match.end() >= end:
            return True
        if not looks_back:
            return False
        earlier = [w.start() for w in _RUN.finditer(text, max(0, start - _UNLESS_REACH), start)]
        for begin in earlier[-_UNLESS_WORDS:]:
            match = regex.match(text, begin)
            if match is not None and match.end() >= end:
                return True
        return False


def compile_rules(rules: Iterable[PhrasingRule]) -> Coach:
    """Compile enabled rules once; raises InvalidInput naming a rule whose pattern is bad."""
    return Coach(rules)


def apply_replacement(text: str, flag: Flag) -> str:
    """``text`` with the flagged span replaced by the flag's suggestion.

    Refuses when the span no longer holds the flagged words (the agent kept typing
    after the check), so a stale flag can never overwrite the wrong text.
    """
    if not flag.rule.replaceable:
        raise InvalidInput(
            f"“{flag.text}” has no drop-in replacement; rephrase it by hand, "
            f"for example: “{flag.rule.suggestion}”."
        )
    if text[flag.start : flag.end] != flag.text:
        raise InvalidInput(
            f"The text changed since “{flag.text}” was flagged; check it again, then replace."
        )
    return text[: flag.start] + flag.replacement + text[flag.end :]


def flag_at(flags: Sequence[Flag], offset: int) -> Flag | None:
    """The flag under a cursor at ``offset`` in a sorted list from :meth:`Coach.check`.

    A cursor just after the last letter counts, since that is where it sits when the
    agent has just typed the word and reaches for the replace key.
    """
    index = bisect.bisect_right([flag.start for flag in flags], offset) - 1
    if index >= 0 and offset <= flags[index].end:
        return flags[index]
    return None


def utf16_offsets(text: str, flag: Flag) -> tuple[int, int]:
    """``(start, length)`` of ``flag`` in UTF-16 code units, as Qt counts positions."""
    return _utf16_len(text[: flag.start]), _utf16_len(flag.text)


def code_point_offset(text: str, utf16_offset: int) -> int:
    """The Python index for a Qt position (UTF-16 units) in ``text``, e.g. a cursor."""
    units = text.encode("utf-16-le", "surrogatepass")[: 2 * max(utf16_offset, 0)]
    return len(units.decode("utf-16-le", "surrogatepass"))


def utf16_spans(text: str, flags: Sequence[Flag]) -> list[tuple[int, int]]:
    """:func:`utf16_offsets` for every flag of one check, in a single pass over ``text``."""
    spans = []
    done = units = 0
    for flag in flags:
        units += _utf16_len(text[done : flag.start])
        length = _utf16_len(flag.text)
        spans.append((units, length))
        units += length
        done = flag.end
    return spans


def explain(text: str, coach: Coach | None = None) -> list[str]:
    """One line per flag, for a rules editor's test box: what fires, what to say, why."""
    lines = []
    for flag in (coach if coach is not None else default_coach()).check(text):
        if flag.rule.replaceable:
            lines.append(f"'{flag.text}' → '{flag.replacement}': {flag.rule.why}")
        else:
            lines.append(
                f"'{flag.text}' → rephrase, e.g. '{flag.replacement}' "
                f"(no one-key replace): {flag.rule.why}"
            )
    return lines


def validate_rule(rule: PhrasingRule) -> None:
    """Refuse a rule that cannot work, or would bury the notes in underlines.

    Each refusal raises :class:`InvalidInput` with a message saying what to change.
    """
    label = _label(rule)
    if not _ID.match(rule.id):
        raise InvalidInput(
            f"{label}: the id must be lowercase letters, digits and single hyphens, "
            "such as 'calm-down'."
        )
    coach = Coach([dataclasses.replace(rule, enabled=True)])
    _check_prose(rule.suggestion, f"{label}: the suggestion", SUGGESTION_MAX, "the wording to use")
    _check_prose(rule.why, f"{label}: the reason", WHY_MAX, "in one sentence why it helps")
    if rule.severity not in {severity.value for severity in Severity}:
        choices = ", ".join(severity.value for severity in Severity)
        raise InvalidInput(f"{label}: the severity must be one of: {choices}.")
    for word in EVERYDAY_WORDS:
        if coach.check(word):
            raise InvalidInput(
                f"{label}: the pattern matches the everyday word '{word}', so it would "
                "flag almost every note. Make it more specific: add a word around it, "
                "or list the exact forms instead of using '*'."
            )
    hits = [sentence for sentence in EVERYDAY_SENTENCES if coach.check(sentence)]
    if len(hits) > _EVERYDAY_SHARE * len(EVERYDAY_SENTENCES):
        raise InvalidInput(
            f"{label}: the pattern flags {len(hits)} of {len(EVERYDAY_SENTENCES)} ordinary "
            f"sentences, such as “{hits[0]}”. Make it more specific."
        )
    if coach.check(rule.suggestion):
        raise InvalidInput(
            f"{label}: the suggestion “{rule.suggestion}” would itself be flagged by the "
            "pattern. Reword the suggestion."
        )


def validate_rules(rules: Sequence[PhrasingRule]) -> None:
    """Validate each rule, then the set: unique ids, and no suggestion another rule flags."""
    seen: set[str] = set()
    for rule in rules:
        validate_rule(rule)
        if rule.id in seen:
            raise InvalidInput(f"Two phrasing rules share the id '{rule.id}'; rename one.")
        seen.add(rule.id)
    coach = Coach(rules)
    for rule in coach.rules:
        for flag in coach.check(rule.suggestion):
            raise InvalidInput(
                f"{_label(rule)}: its suggestion “{rule.suggestion}” contains “{flag.text}”, "
                f"which rule '{flag.rule.id}' flags. Reword one of the two."
            )


def rules_from_data(data: object, source: str) -> list[PhrasingRule]:
    """Rules from parsed YAML (``{"rules": [...]}``); InvalidInput names the bad entry."""
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InvalidInput(f"{source}: expected a top-level 'rules:' list.")
    fields = {f.name: f for f in dataclasses.fields(PhrasingRule)}
    rules = []
    for number, entry in enumerate(data["rules"], start=1):
        where = f"{source}, rule {number}"
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"{where}: expected 'id', 'pattern', 'suggestion' and 'why'.")
        where = f"{where} ({entry.get('id', 'no id')})"
        unknown = sorted(str(key) for key in entry if key not in fields)
        if unknown:
            raise InvalidInput(f"{where}: unknown field(s) {', '.join(unknown)}.")
        values: dict[str, Any] = {}
        for name, spec in fields.items():
            if name not in entry:
                if spec.default is dataclasses.MISSING:
                    raise InvalidInput(f"{where}: the '{name}' field is missing.")
                continue
            value = entry[name]
            if name == "severity":
                try:
                    value = parse_choice(Severity, str(value), "severity")
                except InvalidInput as exc:
                    raise InvalidInput(f"{where}: {exc}") from exc
            elif isinstance(spec.default, bool) and not isinstance(value, bool):
                raise InvalidInput(f"{where}: '{name}' must be true or false.")
            elif not isinstance(spec.default, bool) and not isinstance(value, str):
                raise InvalidInput(f"{where}: '{name}' must be text.")
            values[name] = value
        rules.append(PhrasingRule(**values))
    return rules


def load_default_rules() -> list[PhrasingRule]:
    """The rules Companion ships with, read through importlib.resources."""
    resource = importlib.resources.files("resources") / "phrasing" / "rules.yaml"
    return rules_from_data(yaml.safe_load(resource.read_text(encoding="utf-8")), RULES_SOURCE)


@functools.cache
def default_coach() -> Coach:
    """The shipped rules, compiled once per process."""
    return compile_rules(load_default_rules())


def _label(rule: PhrasingRule) -> str:
    return f"Phrasing rule '{rule.id}'" if rule.id else "The phrasing rule"


def _check_prose(value: str, what: str, limit: int, hint: str) -> None:
    if not value.strip():
        raise InvalidInput(f"{what} is empty. Write {hint}.")
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value)} characters long; keep it under {limit}.")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(
            f"{what} contains a line break or control character; keep it on one line."
        )


def _parse(pattern: str, what: str) -> list[_Alternative]:
    """Each alternative of ``pattern``, compiled to expression source without word boundaries."""
    text = unicodedata.normalize("NFC", pattern).strip()
    if not text:
        raise InvalidInput(f"{what} is empty. Type the word or phrase to flag, e.g. cancelled.")
    if len(text) > PATTERN_MAX:
        raise InvalidInput(
            f"{what} is {len(text)} characters long; the limit is {PATTERN_MAX}. "
            "Split it into several rules."
        )
    alternatives = []
    for alternative in text.split("|"):
        words = alternative.split()
        if not words:
            raise InvalidInput(
                f"{what} has an empty alternative ('|' at either end, or two in a row). "
                "Remove the extra '|'."
            )
        source = _SPACE.join(_word_source(word, what) for word in words)
        first = words[0]
        length = next((i for i, ch in enumerate(first) if not _is_letter(ch)), len(first))
        alternatives.append(_Alternative(source, first[:length].casefold(), length == len(first)))
    return alternatives


def _is_letter(ch: str) -> bool:
    """Letters and digits, and the accents that combine with them."""
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def _word_source(word: str, what: str) -> str:
    how = (
        "Use letters, digits, apostrophes and hyphens in words, '|' between "
        "alternatives, and '*' only at the end of a word."
    )
    if word[0] == "*":
        raise InvalidInput(
            f"{what}: '{word}' starts with '*', which would match every word. Put '*' at "
            f"the end of a word, after at least {MIN_STEM} letters, as in cancel*."
        )
    if not word[0].isalnum():
        raise InvalidInput(f"{what}: '{word}' must start with a letter or digit. {how}")
    parts = []
    for i, ch in enumerate(word):
        if ch == "*":
            if i != len(word) - 1:
                raise InvalidInput(f"{what}: '*' in '{word}' is not at the end. {how}")
            if not word[i - 1].isalnum() or sum(c.isalnum() for c in word) < MIN_STEM:
                raise InvalidInput(
                    f"{what}: '{word}' would match too many words. Put at least "
                    f"{MIN_STEM} letters before '*', as in cancel*."
                )
            parts.append(_WORD + "*+")
        elif ch in APOSTROPHES:
            parts.append(_APOSTROPHE)
        elif ch in HYPHENS:
            if i == len(word) - 1 or not (word[i - 1].isalnum() and word[i + 1].isalnum()):
                raise InvalidInput(f"{what}: a hyphen in '{word}' must sit between letters.")
            parts.append(_HYPHEN)
        elif _is_letter(ch):
            parts.append(re.escape(ch))
        else:
            raise InvalidInput(f"{what}: '{ch}' in '{word}' cannot be used. {how}")
    return "".join(parts)


def _bounded(*sources: str) -> re.Pattern[str]:
    """Whole-word, case-blind expression matching any of ``sources``, the first that fits."""
    return re.compile(_BEFORE + "(?:" + "|".join(sources) + ")" + _AFTER, re.I)


def _group(phrases: list[tuple[str, int]]) -> _Group:
    compiled = tuple((_bounded(source), index) for source, index in phrases)
    return _Group(_bounded(*(source for source, _ in phrases)), compiled)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 40) : start].rstrip(" \t\u00a0\"'“‘«([")
    return not before or before[-1] in _SENTENCE_END


def _adapt_case(suggestion: str, text: str, start: int, matched: str) -> str:
    """The suggestion in the capitalisation the agent used for the flagged words.

    "I" is capitalised wherever it stands, so a match that begins with it says
    nothing about the sentence: there the position in the sentence decides.
    """
    if matched.isupper() and sum(ch.isupper() for ch in matched) >= 2:
        return suggestion.upper()
    if _FIRST_PERSON.match(matched):
        capital = _starts_sentence(text, start)
    else:
        capital = matched[:1].isupper()
    return suggestion[:1].upper() + suggestion[1:] if capital else suggestion
