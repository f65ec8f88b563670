"""A long, realistic, deterministic document: an annual report of a fictional public body, as markdown.

Chapters (#) hold sections (##) of paragraphs; sentences come from templates filled with organisations,
people, places, amounts, percentages and dates by a seeded random generator, so every run sees the same text
(about 500 words a page). Nothing is downloaded.
"""
from __future__ import annotations

import random

ORGS = ["Department of Transport", "Ministry of Health", "Housing Agency", "Office of the Auditor General",
        "Regional Development Board", "Public Service Commission", "Environmental Protection Office",
        "Department of Education", "Treasury Board", "Municipal Services Division"]
PEOPLE = ["Ms. Okafor", "Mr. Tremblay", "Dr. Lindqvist", "Ms. Haddad", "Mr. Nakamura", "Dr. Moreau",
          "Ms. Kowalski", "Mr. Osei", "Dr. Fernandes", "Ms. Gagnon"]
PLACES = ["Riverside", "Northgate", "Elm Street", "the Eastern District", "Lakeview", "Port Albert",
          "the Central Valley", "Westbrook", "Hillcrest", "the Harbour Quarter"]
TOPICS = ["road maintenance", "digital services", "social housing", "water quality", "staff training",
          "procurement reform", "emergency preparedness", "public consultation", "records management",
          "energy efficiency", "accessibility", "data protection", "community grants", "fleet renewal"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
CHAPTERS = ["Governance and Accountability", "Financial Performance", "Infrastructure Programme",
            "Service Delivery", "People and Workplace", "Digital Transformation", "Environment and Climate",
            "Community Engagement", "Risk Management", "Audit Findings", "Procurement", "Health and Safety",
            "Regional Partnerships", "Outlook and Priorities", "Annexes and Methodology"]
SECTIONS = ["Overview", "Key Results", "Spending", "Challenges", "Lessons Learned", "Next Steps",
            "Performance Indicators", "Stakeholder Feedback"]

TEMPLATES = [
    "In {year}, the {org} allocated {amount} to {topic}, an increase of {pct} over the previous year.",
    "{person} reported that work on {topic} in {place} was completed on {date}, ahead of the revised schedule.",
    "The {org} must not start the next phase of {topic} until the assessment for {place} has been approved.",
    "Spending on {topic} reached {amount} by {date}, which is {pct} below the amount set out in the budget.",
    "Residents of {place} raised concerns about {topic}, and {person} committed to a written response by {date}.",
    "The audit found that controls over {topic} were adequate, although records for {place} were incomplete.",
    "A review led by {person} recommended that the {org} simplify its approach to {topic} within two years.",
    "Staff in {place} handled {count} requests related to {topic}, compared with {count2} the year before.",
    "The steering committee agreed on {date} to extend the {topic} pilot to {place} for a further year.",
    "No significant incidents related to {topic} were recorded, although minor delays affected {place}.",
    "The {org} will publish an update on {topic} by {date}, including the results of the survey in {place}.",
    "Satisfaction with {topic} rose to {pct}, the highest level since the programme began in {year}.",
    "Because funding for {topic} was not confirmed until {date}, several projects in {place} started late.",
    "{person} noted that the {org} should not rely on a single supplier for {topic} after {year}.",
    "Partnerships with local organisations in {place} helped reduce the cost of {topic} by {amount}.",
]


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        org=rng.choice(ORGS), person=rng.choice(PEOPLE), place=rng.choice(PLACES), topic=rng.choice(TOPICS),
        year=rng.randint(2018, 2025), pct=f"{rng.randint(2, 48)}%",
        amount=f"${rng.randint(1, 95)}.{rng.randint(0, 9)} million",
        date=f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2023, 2026)}",
        count=f"{rng.randint(1, 40) * 1000 + rng.randint(0, 999):,}",
        count2=f"{rng.randint(1, 40) * 1000 + rng.randint(0, 999):,}",
    )


def _paragraph(rng: random.Random) -> str:
    return " ".join(_fill(rng, rng.choice(TEMPLATES)) for _ in range(rng.randint(5, 9)))


def annual_report(words: int = 150_000, seed: int = 300) -> str:
    """Markdown of about `words` words: chapters, sections and paragraphs, the same for the same arguments."""
    rng = random.Random(seed)
    lines = ["# Annual Report on Public Services", ""]
    count, chapter = 0, 0
    while count < words:
        title = CHAPTERS[chapter % len(CHAPTERS)]
        chapter += 1
        lines += [f"# Chapter {chapter}: {title}", ""]
        for section in SECTIONS:
            lines += [f"## {chapter}.{SECTIONS.index(section) + 1} {section}", ""]
            for _ in range(rng.randint(8, 12)):
                paragraph = _paragraph(rng)
                count += len(paragraph.split())
                lines += [paragraph, ""]
                if count >= words:
                    break
            if count >= words:
                break
    return "\n".join(lines)


def word_count(text: str) -> int:
    return len(text.split())
