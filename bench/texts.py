"""Seeded English text for the captures: receipts, letters, prose, bullet lists and screen text."""

from __future__ import annotations

import numpy as np

# Plain ASCII only: the benchmark measures reading, not typographic quote or dash conventions.

FIRST_NAMES = [
    "Anna",
    "Peter",
    "Maria",
    "James",
    "Laura",
    "Daniel",
    "Helen",
    "Thomas",
    "Sarah",
    "Robert",
    "Emily",
    "Michael",
    "Grace",
    "David",
    "Clara",
    "Simon",
]
LAST_NAMES = [
    "Thompson",
    "Garcia",
    "Walker",
    "Bennett",
    "Fischer",
    "Morgan",
    "Hughes",
    "Palmer",
    "Reed",
    "Coleman",
    "Hayes",
    "Murray",
    "Porter",
    "Wallace",
]
TOWNS = [
    "Springfield",
    "Riverside",
    "Oakdale",
    "Fairview",
    "Brookfield",
    "Milton",
    "Greenville",
    "Ashford",
    "Kingston",
    "Lakewood",
]
STREETS = [
    "Main Street",
    "Oak Avenue",
    "Station Road",
    "Mill Lane",
    "Park Road",
    "Church Street",
    "High Street",
    "Elm Drive",
    "Harbor View",
    "North Road",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

STORES = [
    "GREEN VALLEY MARKET",
    "CORNER HARDWARE",
    "SUNRISE CAFE",
    "CITY PHARMACY",
    "FRESHWAY GROCERY",
    "MAPLE STREET DELI",
    "HILLSIDE BAKERY",
    "QUICK STOP FUEL",
]
ITEMS = [
    ("WHOLE MILK 1L", 0.99, 2.49),
    ("BROWN BREAD", 1.49, 3.29),
    ("FREE RANGE EGGS", 2.19, 4.59),
    ("BANANAS", 0.59, 1.89),
    ("CHEDDAR CHEESE", 2.79, 5.99),
    ("ORANGE JUICE", 1.99, 3.99),
    ("COFFEE BEANS", 5.49, 11.99),
    ("PASTA SPAGHETTI", 0.89, 2.29),
    ("TOMATO SAUCE", 1.19, 2.79),
    ("GREEN TEA", 2.49, 4.99),
    ("APPLES GALA", 1.99, 3.49),
    ("BUTTER SALTED", 1.89, 3.79),
    ("RICE BASMATI", 2.29, 5.49),
    ("CHICKEN BREAST", 4.99, 9.49),
    ("DISH SOAP", 1.59, 3.19),
    ("PAPER TOWELS", 2.99, 6.49),
    ("BATTERIES AA", 3.99, 8.99),
    ("WOOD SCREWS", 2.49, 5.99),
    ("CAPPUCCINO", 2.80, 4.20),
    ("BLUEBERRY MUFFIN", 1.90, 3.10),
    ("SPARKLING WATER", 0.79, 1.99),
    ("DARK CHOCOLATE", 1.29, 3.49),
    ("YOGURT NATURAL", 0.89, 2.19),
    ("LIGHT BULB LED", 3.49, 7.99),
]

LETTER_SENTENCES = [
    "Thank you for your letter of {date} regarding the {topic}.",
    "I am writing to confirm the details we discussed on the phone last {weekday}.",
    "The {topic} will take place at our office on {street} in {town}.",
    "Please find enclosed a copy of the signed agreement for your records.",
    "We would be grateful if you could reply before the end of {month}.",
    "Our team has reviewed the proposal and we are happy to proceed with the next steps.",
    "If you have any questions, please do not hesitate to contact me directly.",
    "The invoice of {amount} dollars has been paid in full as of {date}.",
    "Unfortunately the delivery was delayed by {n} days because of the weather.",
    "I would like to thank {first} {last} for the excellent work on the {topic}.",
    "A meeting has been arranged for {weekday} at {hour} pm to discuss the {topic}.",
    "We look forward to working with you again in the coming year.",
]
PROSE_SENTENCES = [
    "The rain had not stopped since {weekday}, and {first} sat by the window watching the street.",
    "Nobody in {town} could remember a winter as long and as quiet as that one.",
    "She folded the letter twice and put it in the drawer with the old photographs.",
    "The train left the station a few minutes late, heading north along the river.",
    "{first} had always believed that the house on {street} was hiding something.",
    "In the morning the fields were covered with a thin layer of frost.",
    "He walked for nearly {n} miles before he saw the first light in the valley.",
    "The old clock in the hall struck {hour} as the guests began to arrive.",
    "There was a smell of fresh bread and wood smoke in the narrow kitchen.",
    "Years later she would still remember the sound of the sea that night.",
    "The doctor closed his bag, looked at the child, and said nothing for a long time.",
    "They followed the path through the forest until it ended at a small stone bridge.",
    "Every summer the family rented the same cottage near the harbor in {town}.",
    "The market was crowded with farmers selling apples, cheese and honey.",
    "{first} {last} opened the door slowly and stepped into the dark room.",
    "It was the kind of afternoon when time seemed to move more slowly than usual.",
]
TOPICS = [
    "annual review",
    "project schedule",
    "building renovation",
    "insurance claim",
    "school trip",
    "budget proposal",
    "software upgrade",
    "community event",
]

BOARD_TITLES = [
    "Sprint planning",
    "Weekly team sync",
    "Launch checklist",
    "Workshop agenda",
    "Open questions",
    "Action items",
    "Q3 priorities",
    "Retro notes",
]
BOARD_ITEMS = [
    "- Review the {topic} with {first}",
    "- Send the updated slides by {weekday}",
    "- Fix login bug on the mobile app",
    "- Book the meeting room for {hour} pm",
    "- Ask {first} about the {topic}",
    "- Update the customer survey results",
    "- Test the new release on staging",
    "- Order {n} new laptops for the team",
    "- Prepare the budget for {month}",
    "- Clean up old files on the shared drive",
    "- Call the supplier about late delivery",
    "- Draft the press release for the launch",
    "- Check the backup logs every morning",
    "- Plan the team lunch on {weekday}",
]

SCREEN_HEADERS = [
    "Settings",
    "Account overview",
    "System status",
    "Project dashboard",
    "Network preferences",
    "Storage and backup",
]
# One "label: value" phrase per row; far-apart columns would test reading order, not recognition.
SCREEN_ROWS = [
    "Signed in as {first_lower}.{last_lower}@example.com",
    "Wireless network: Connected",
    "Battery level: {pct}%",
    "Storage used: {gb} GB of 128 GB",
    "Last backup: {weekday} at {hour}:{minute}",
    "Automatic updates: On",
    "Notifications: Off",
    "Display brightness: {pct}%",
    "Open tasks: {n}",
    "Software version: {n}.{minute}.{hour}",
    "Two-factor authentication: Enabled",
    "Language: English (United States)",
    "Time zone: UTC+{hour_small}:00",
    "Sync with cloud every {n} minutes",
]


def pick(rng: np.random.Generator, seq):
    """Return one element of seq chosen by rng."""
    return seq[int(rng.integers(len(seq)))]


def _slots(rng: np.random.Generator) -> dict:
    """Random values for the {slot} placeholders used by the templates."""
    first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
    return {
        "first": first,
        "last": last,
        "first_lower": first.lower(),
        "last_lower": last.lower(),
        "town": pick(rng, TOWNS),
        "street": pick(rng, STREETS),
        "month": pick(rng, MONTHS),
        "weekday": pick(rng, WEEKDAYS),
        "topic": pick(rng, TOPICS),
        "date": f"{int(rng.integers(1, 29))} {pick(rng, MONTHS)}",
        "amount": f"{int(rng.integers(120, 9800)):,}",
        "n": int(rng.integers(2, 12)),
        "hour": int(rng.integers(1, 12)),
        "hour_small": int(rng.integers(1, 9)),
        "minute": f"{int(rng.integers(0, 60)):02d}",
        "pct": int(rng.integers(12, 99)),
        "gb": f"{rng.uniform(8, 120):.1f}",
    }


def _sentences(rng: np.random.Generator, pool: list[str], count: int) -> list[str]:
    """Fill count distinct templates from pool with fresh slot values."""
    picks = rng.choice(len(pool), size=min(count, len(pool)), replace=False)
    return [pool[i].format(**_slots(rng)) for i in picks]


def paragraphs(rng: np.random.Generator, kind: str, count: int) -> list[str]:
    """count paragraphs of 3-5 letter or prose sentences, no sentence template used twice."""
    pool = LETTER_SENTENCES if kind == "letter" else PROSE_SENTENCES
    sentences = _sentences(rng, pool, len(pool))
    sizes = rng.integers(3, 6, count)
    cuts = np.minimum(np.cumsum(sizes), len(sentences))
    return [" ".join(sentences[a:b]) for a, b in zip([0, *cuts[:-1]], cuts, strict=True) if b > a]


def letter(rng: np.random.Generator) -> list[str]:
    """A short business letter as paragraphs; empty strings are blank lines."""
    s = _slots(rng)
    title = pick(rng, ["Mr.", "Ms.", "Dr."])
    body = paragraphs(rng, "letter", int(rng.integers(2, 4)))
    return [
        f"{s['town']}, {s['date']} 2024",
        "",
        f"Dear {title} {s['last']},",
        *body,
        "Kind regards,",
        f"{s['first']} {pick(rng, LAST_NAMES)}",
    ]


def receipt(rng: np.random.Generator, width: int) -> list[str]:
    """A shop receipt of 13-17 lines, price columns padded out to width characters."""

    def row(label: str, value: str) -> str:
        return label + " " * max(1, width - len(label) - len(value)) + value

    s = _slots(rng)
    store = pick(rng, STORES)
    lines = [
        store.center(width).rstrip(),
        f"{int(rng.integers(1, 400))} {s['street'].upper()}",
        f"{s['town'].upper()}",
        f"{int(rng.integers(1, 13)):02d}/{int(rng.integers(1, 29)):02d}/2024  {s['hour']:02d}:{s['minute']}",
    ]
    total = 0.0
    picks = rng.choice(len(ITEMS), size=int(rng.integers(4, 9)), replace=False)
    for i in picks:
        name, lo, hi = ITEMS[i]
        price = round(float(rng.uniform(lo, hi)), 2)
        total += price
        lines.append(row(name[: width - 8], f"{price:.2f}"))
    tax = round(total * 0.08, 2)
    lines += [
        row("SUBTOTAL", f"{total:.2f}"),
        row("TAX 8%", f"{tax:.2f}"),
        row("TOTAL", f"{total + tax:.2f}"),
        row("VISA", f"****{int(rng.integers(1000, 9999))}"),
        "THANK YOU FOR SHOPPING",
    ]
    return lines


def board(rng: np.random.Generator) -> list[str]:
    """A whiteboard or slide: a title followed by 5-9 bullet points."""
    return [pick(rng, BOARD_TITLES), *_sentences(rng, BOARD_ITEMS, int(rng.integers(5, 10)))]


def screen(rng: np.random.Generator) -> list[str]:
    """Settings-style screen text: a header and 7-11 label/value rows."""
    return [pick(rng, SCREEN_HEADERS), *_sentences(rng, SCREEN_ROWS, int(rng.integers(7, 12)))]
