"""What the demo's people and calls are made of: names, households and call scenarios.

Kept apart from the generator so the words can be edited without reading code.
Phone numbers use the 555-01xx range reserved for fiction; e-mail addresses use
example.com.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.calls import Outcome
from companion.customer_links import Relation
from companion.users import Role

AGENTS = (("Priya Shah", Role.AGENT), ("Tom Becker", Role.AGENT), ("Grace Okafor", Role.SUPERVISOR))

# (name, is organisation); people in one group share a household or organisation.
HOUSEHOLDS = (
    ("Ana María López", "Luis López", "Sofía López"),
    ("Chidi Okonkwo", "Ngozi Okonkwo"),
    ("Minh Nguyen", "Lan Nguyen"),
    ("Yara Haddad", "Karim Haddad"),
    ("Jürgen Müller", "Petra Müller"),
    ("דוד כהן", "Miriam Cohen"),
)
ORGANISATIONS = (
    ("Brightside Dental Clinic", "Hannah Reyes", "Marco Bellini"),
    ("Northwind Logistics Ltd", "Fatima Zahra"),
)
# Links other than "same household" and "same organisation": (customer, other, relation, note).
SPECIAL_LINKS = (
    ("Sofía López", "Ana María López", Relation.GUARDIAN, "Sofía is 15; her mother calls for her."),
    ("Yara Haddad", "Karim Haddad", Relation.AUTHORISED_CONTACT, "May discuss billing."),
    ("Hannah Reyes", "Marco Bellini", Relation.COLLEAGUE, ""),
)
SINGLES = (
    "George Papadopoulos",
    "Siobhán O'Brien",
    "Kenji Watanabe",
    "Olufemi Adeyemi",
    "Emma Johansson",
    "Rajesh Kumar",
    "Isabella Rossi",
    "Mateo García",
    "Aisha Bello",
    "Liam Walsh",
    "Chloé Martin",
    "Tomasz Kowalski",
    "Zeynep Yılmaz",
    "Samuel Osei",
    "Henrik Larsen",
    "Beatriz Santos",
    "John Smith",
    "Jon Smith",
)
AREA_CODES = ("212", "303", "415", "512", "617", "702", "808", "919")


@dataclass(frozen=True)
class Scenario:
    problem: str
    resolution: str
    identifier: str
    said: tuple[str, ...]
    done: tuple[str, ...]
    promise: str
    outcome: Outcome


SCENARIOS = (
    Scenario(
        "Internet connection drops every evening around 8 pm.",
        "A stable connection; a technician visit if it cannot be fixed remotely.",
        "Router serial RT-",
        ("Drops started after the storm last week.", "Has already restarted the router twice."),
        ("Ran a line test: noise on the line after 7 pm.", "Reset the line profile."),
        "Call back after 8 pm to confirm the connection held.",
        Outcome.FOLLOW_UP,
    ),
    Scenario(
        "Charged twice for last month's bill.",
        "The duplicate charge refunded to the card.",
        "Invoice INV-",
        ("Both charges show on the card statement.", "Needs the money back before rent is due."),
        ("Confirmed the duplicate charge in billing.", "Opened a refund request."),
        "Confirm the refund has been sent and give the reference.",
        Outcome.FOLLOW_UP,
    ),
    Scenario(
        "The router isn't working anymore after a power cut.",
        "A replacement router delivered quickly.",
        "Router serial RT-",
        ("No lights at all on the router.", "Tried another socket, no change."),
        ("Checked the warranty: still covered.", "Ordered a replacement router."),
        "Send the tracking number for the replacement router.",
        Outcome.RESOLVED,
    ),
    Scenario(
        "An order has not arrived and the tracking has not changed for a week.",
        "Delivery this week, or a refund.",
        "Order ORD-",
        ("Tracking has said 'in transit' since last Monday.", "Would accept a refund instead."),
        ("Raised a trace with the courier.",),
        "Report what the courier found and refund if the parcel is lost.",
        Outcome.ESCALATED,
    ),
    Scenario(
        "Moving house and wants the service moved to the new address.",
        "Service working at the new address on moving day.",
        "Account ACC-",
        ("Moving on the 1st of next month.", "Works from home, so cannot be without a connection."),
        ("Checked availability at the new address: available.", "Booked the move."),
        "Confirm the engineer appointment for the new address.",
        Outcome.FOLLOW_UP,
    ),
    Scenario(
        "The bill is higher than the price quoted when signing up.",
        "A bill that matches the quote, with the difference credited.",
        "Account ACC-",
        ("Was quoted a lower monthly price by phone.", "Has the quote in an e-mail."),
        ("Found the quote in the account notes.", "Applied a credit for the difference."),
        "Check the next bill shows the quoted price.",
        Outcome.RESOLVED,
    ),
    Scenario(
        "A payment did not go through and a late fee was added.",
        "The payment taken and the late fee removed.",
        "Account ACC-",
        ("The bank says the card is fine.", "Has paid on time for three years."),
        ("Took the payment by phone.", "Asked billing to remove the late fee."),
        "Confirm the late fee has been removed.",
        Outcome.FOLLOW_UP,
    ),
)
