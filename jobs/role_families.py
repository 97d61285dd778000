"""Role families: what kind of work a title names (engineering, data, design, product, sales …).

Similar jobs keep a posting's family, so a Product Designer's neighbours are designers, not
the Frontend Engineers that share its skills. Derived from the title by the first rule whose
words it contains; the rules are ordered so the more specific family wins ("Sales Engineer"
is sales, "Product Designer" design, "Data Engineer" data, "Security Analyst" security).
A title no rule knows has no family, and then only skills and seniority decide.
"""

from __future__ import annotations

import re

# (family, words or phrases of the title), first match wins.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("healthcare", ("nurse", "pharmacist", "physician", "therapist", "clinical", "doctor", "medical")),
    ("design", ("designer", "design", "ux", "ui", "illustrator")),
    ("security", ("security", "penetration", "grc", "ciso", "detection")),
    ("finance", ("accountant", "accounting", "finance", "financial", "fp", "controller", "payroll", "tax", "cfo",
                 "bookkeeper", "auditor", "payable", "receivable")),
    ("support", ("support", "customer experience", "helpdesk")),
    ("marketing", ("marketing", "marketer", "seo", "copywriter", "brand", "social media", "cmo", "content", "writer")),
    ("sales", ("sales", "account executive", "account manager", "customer success", "solutions engineer",
               "partnerships", "business development", "revenue", "implementation consultant")),
    ("product", ("product",)),
    ("data", ("data", "scientist", "machine learning", "analytics", "analyst", "bi", "mlops", "ai", "ml")),
    ("people", ("recruiter", "talent", "hr", "people", "human resources", "office manager", "operations",
                "learning", "project manager", "program manager", "coo")),
    ("engineering", ("engineer", "engineering", "developer", "devops", "reliability", "sre", "platform", "cloud",
                     "infrastructure", "administrator", "cto", "programmer", "software", "architect")),
)

_WORDS = re.compile(r"[a-z0-9]+")


def role_family(title: str) -> str | None:
    """The family a title belongs to, or None when no rule knows it."""
    padded = f" {' '.join(_WORDS.findall(title.lower()))} "
    for family, phrases in FAMILIES:
        if any(f" {phrase} " in padded for phrase in phrases):
            return family
    return None
