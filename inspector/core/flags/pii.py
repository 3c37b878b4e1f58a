"""Personal data and secrets: e-mail addresses, phone numbers, card numbers, IPs, API keys.

Patterns favour precision over recall (a flag must be worth looking at): phone numbers need a
separator layout typical of real numbers, card numbers must pass the Luhn check, IPv4
addresses must have four octets of 0..255 and not be loopback/unspecified, and secrets must
match a known key format or an assignment of a long token to a secret-sounding name.
"""

from __future__ import annotations

import re

from inspector.core.data.conversation import Conversation
from inspector.core.flags.base import WARNING, Rule, turns_of

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
PHONE = re.compile(
    r"(?<![\w.+-])(?:"
    r"(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}"  # North American
    r"|\+\d{1,3}(?:[ .-]\(?\d{1,4}\)?){2,5}"  # international: +44 20 7946 0958
    r")(?![\w-])"
)
#: Card numbers as printed: four groups of four (the last may be shorter), American Express's
#: 4-6-5, or an unbroken run of 13-19 digits that starts with a card network's prefix (Visa 4,
#: Mastercard 51-55 and 22-27, Amex 34/37, Discover 6011/65); a bare run of digits is far more
#: often a number in a sum.
CARD = re.compile(
    r"(?<![\d.,-])(?:"
    r"(?:\d{4}([ -]))\d{4}\1\d{4}\1\d{1,7}"
    r"|\d{4}([ -])\d{6}\2\d{5}"
    r"|(?:4|5[1-5]|2[2-7]|3[47]|6011|65)\d{11,17}"
    r")(?![\d.,-]|\.\d)"
)
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
#: Known key formats (OpenAI, Anthropic, AWS, GitHub, Slack, Google, Hugging Face, Stripe),
#: PEM private keys, and `name = value` assignments of a long token to a secret-like name.
SECRET = re.compile(
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\bAIza[0-9A-Za-z_-]{35}"
    r"|\bhf_[A-Za-z0-9]{30,}"
    r"|\b[rs]k_live_[A-Za-z0-9]{20,}"
    r"|-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"
    r"|(?i:\b(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|password|passwd)\b"
    r"\s*[:=]\s*['\"]?)(?=[A-Za-z0-9_\-/+]*\d)(?=[A-Za-z0-9_\-/+]*[A-Za-z])[A-Za-z0-9_\-/+]{16,}"
)
#: Domains reserved for examples (RFC 2606) and obvious stand-ins: their addresses name no one.
EXAMPLE_DOMAINS = re.compile(
    r"@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|[\w-]+\.(?:example|test|invalid|localhost)"
    r"|your-?domain\.\w+)$",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"\d{3}")
_DOTTED = re.compile(r"\d\.\d")
#: Addresses that identify no one.
NOT_PERSONAL_IPS = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "1.1.1.1", "8.8.8.8", "8.8.4.4"}


#: Every SECRET alternative contains one of these (lower-cased); testing substrings first is
#: several times faster than running the full pattern over every turn.
_SECRET_HINTS = (
    "sk-",
    "akia",
    "gh",
    "xox",
    "aiza",
    "hf_",
    "k_live_",
    "private key",
    "api",
    "key",
    "token",
    "passw",
)


def _may_hold_secret(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _SECRET_HINTS)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(text: str):
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        # All one digit (0000 0000 ...) passes Luhn but is filler, not a card.
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits):
            return m
    return None


def _email(text: str):
    if "@" not in text:
        return None
    for m in EMAIL.finditer(text):
        if not EXAMPLE_DOMAINS.search(m.group()):
            return m
    return None


def _ip(text: str):
    for m in IPV4.finditer(text):
        parts = m.group().split(".")
        if all(int(p) <= 255 and (p == "0" or not p.startswith("0")) for p in parts):
            before = text[max(0, m.start() - 10) : m.start()].lower()
            # "version 1.2.3.4", "v1.2.3.4": a version number, not an address.
            if (
                m.group() not in NOT_PERSONAL_IPS
                and "version" not in before
                and not before.endswith("v")
            ):
                return m
    return None


#: North American numbers reserved for fiction and examples: area code 555 ("(555) 123-4567")
#: and the 555-0100..555-0199 lines of any area code. They name no one.
_FICTIONAL = re.compile(r"^1?(?:555\d{7}|\d{3}55501\d{2})$")


def _phone(text: str):
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 10 <= len(digits) <= 15 and not _FICTIONAL.match(digits):
            return m
    return None


class PersonalData(Rule):
    """E-mail addresses, phone numbers, card numbers, IP addresses and secrets in any turn."""

    codes = {
        "pii_email": (WARNING, "an e-mail address"),
        "pii_phone": (WARNING, "a phone number"),
        "pii_credit_card": (WARNING, "a payment card number (passes the Luhn check)"),
        "pii_ip": (WARNING, "an IP address"),
        "pii_secret": (WARNING, "an API key, token, password or private key"),
    }

    def check(self, conv: Conversation):
        for loc in turns_of(conv):
            text = loc.turn.content
            if not text:
                continue
            # Cheap gates first: most turns have no run of 3 digits, and then no phone or card.
            digits = _DIGIT_RUN.search(text) is not None
            found = (
                ("pii_email", _email(text)),
                ("pii_phone", _phone(text) if digits else None),
                ("pii_credit_card", _card(text) if digits else None),
                ("pii_ip", _ip(text) if _DOTTED.search(text) else None),
                ("pii_secret", SECRET.search(text) if _may_hold_secret(text) else None),
            )
            for code, m in found:
                if m:
                    yield self.finding(code, m.group(), loc.where, m.span())
