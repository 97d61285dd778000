"""Curated pools for `manage.py seed_demo`: believable titles, companies, skills, places, pay and text.

Everything a posting is made of is chosen from these lists, and the long texts are assembled
from pre-written paragraphs and bullets, so a million postings cost a few list look-ups each
instead of a million calls into Faker. Company names are invented (two made-up parts) and every
website lives under example.com, so no demo row points at a real business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# --- Skills -----------------------------------------------------------------------------

SKILLS_BY_GROUP: dict[str, list[str]] = {
    "languages": [
        "Python", "Java", "JavaScript", "TypeScript", "Go", "Rust", "C", "C++", "C#", "Ruby", "PHP",
        "Kotlin", "Swift", "Scala", "Elixir", "R", "SQL", "Bash", "Dart", "Objective-C",
    ],
    "backend": [
        "Django", "Flask", "FastAPI", "Node.js", "Express", "Spring Boot", "Ruby on Rails", "Laravel",
        ".NET", "ASP.NET Core", "GraphQL", "REST APIs", "gRPC", "Microservices", "Celery",
    ],
    "frontend": [
        "React", "Vue.js", "Angular", "Svelte", "Next.js", "HTML", "CSS", "Tailwind CSS", "Redux",
        "htmx", "Webpack", "Vite", "Web Accessibility",
    ],
    "mobile": ["Flutter", "React Native", "SwiftUI", "Jetpack Compose", "Android", "iOS"],
    "datastores": [
        "PostgreSQL", "MySQL", "SQLite", "MongoDB", "Redis", "Elasticsearch", "Cassandra", "DynamoDB",
        "Snowflake", "BigQuery", "Redshift", "ClickHouse", "Kafka", "RabbitMQ",
    ],
    "cloud": [
        "AWS", "Google Cloud", "Azure", "Docker", "Kubernetes", "Terraform", "Ansible", "Helm", "Linux",
        "Nginx", "CI/CD", "GitHub Actions", "GitLab CI", "Jenkins", "Prometheus", "Grafana", "Datadog",
        "OpenTelemetry", "Istio", "Argo CD", "Serverless", "Pulumi",
    ],
    "data": [
        "pandas", "NumPy", "scikit-learn", "PyTorch", "TensorFlow", "Apache Spark", "Airflow", "dbt",
        "Hadoop", "Tableau", "Power BI", "Looker", "Jupyter", "MLflow", "Machine Learning",
        "Deep Learning", "NLP", "Computer Vision", "Statistics", "A/B Testing", "Data Modeling", "ETL",
        "LLMs",
    ],
    "security": [
        "Penetration Testing", "OWASP", "SIEM", "Splunk", "IAM", "Cryptography", "SOC 2", "ISO 27001",
        "Threat Modeling", "Incident Response", "Vulnerability Management", "Zero Trust",
    ],
    "testing": ["Selenium", "Cypress", "Playwright", "pytest", "JUnit", "Test Automation"],
    "design": [
        "Figma", "Sketch", "Adobe Photoshop", "Adobe Illustrator", "User Research", "Prototyping",
        "Design Systems", "Wireframing", "Usability Testing", "Interaction Design",
    ],
    "product": [
        "Product Strategy", "Roadmapping", "Jira", "Confluence", "Agile", "Scrum", "Kanban", "OKRs",
        "Product Analytics", "Amplitude",
    ],
    "marketing": [
        "SEO", "SEM", "Google Analytics", "Google Ads", "Content Marketing", "Copywriting",
        "Email Marketing", "HubSpot", "Marketo", "Social Media Marketing", "Marketing Automation",
        "Brand Strategy",
    ],
    "sales": [
        "Salesforce", "CRM", "Lead Generation", "Account Management", "Negotiation", "B2B Sales",
        "SaaS Sales", "Pipeline Management", "Customer Success", "Zendesk", "Intercom",
    ],
    "finance": [
        "Excel", "Financial Modeling", "FP&A", "Budgeting", "GAAP", "IFRS", "QuickBooks", "NetSuite",
        "SAP", "Forecasting", "Accounts Payable", "Audit",
    ],
    "people": [
        "Recruiting", "Onboarding", "Workday", "Employee Relations", "Compensation & Benefits", "Payroll",
        "HRIS", "Project Management", "Vendor Management", "Process Improvement", "Lean", "Six Sigma",
    ],
    "soft": ["Technical Writing", "Public Speaking", "Stakeholder Management", "Mentoring", "Communication"],
}

ALL_SKILLS: list[str] = [name for names in SKILLS_BY_GROUP.values() for name in names]


def with_article(title: str) -> str:
    """ "an Analytics Engineer", "an SEO Specialist", "a UX Designer", "a Head of Data"."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[1].isupper():  # an acronym is read letter by letter
        vowel_sound = first[0] in "AEFHILMNORSX"
    else:
        vowel_sound = first[0].lower() in "aeio"
    return f"{'an' if vowel_sound else 'a'} {title}"


def skill_slug(name: str) -> str:
    """Slugs that keep C, C# and C++ apart (slugify alone makes all three "c")."""
    from django.utils.text import slugify

    return slugify(name.replace("#", " sharp").replace("+", " plus"))[:90]


# --- Fields of work ---------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    weight: int
    titles: tuple[str, ...]
    head_titles: tuple[str, ...]  # for the executive level: "Head of ...", "VP of ..."
    skill_groups: tuple[str, ...]  # group names from SKILLS_BY_GROUP, or single skills
    base_salary_usd: int  # a mid-level salary in a US city of average cost
    duties: tuple[str, ...]

    @property
    def skills(self) -> list[str]:
        names = [name for group in self.skill_groups for name in SKILLS_BY_GROUP.get(group, [group])]
        return list(dict.fromkeys(names))


FIELDS: tuple[Field, ...] = (
    Field(
        "Software Engineering", 30,
        ("Software Engineer", "Backend Engineer", "Frontend Engineer", "Full-Stack Engineer",
         "Python Developer", "Java Developer", "Go Engineer", "Mobile Engineer (iOS)",
         "Mobile Engineer (Android)", "Web Developer", "API Engineer", "Software Developer in Test",
         "Embedded Software Engineer", "Game Developer", "Rust Engineer"),
        ("Head of Engineering", "Director of Engineering", "VP of Engineering", "CTO"),
        ("languages", "backend", "frontend", "mobile", "datastores", "testing"),
        135_000,
        ("Design, build and ship features end to end, from the database schema to the user interface",
         "Write clean, well-tested code and review your teammates' pull requests",
         "Break large projects into small, safe, incremental releases",
         "Improve the performance and reliability of services used by millions of people",
         "Work closely with product managers and designers to shape what we build next",
         "Own services in production, including on-call in a humane rotation",
         "Refactor legacy code paths and pay down technical debt deliberately",
         "Mentor other engineers and contribute to our engineering culture",
         "Write and maintain technical design documents for significant changes",
         "Instrument your code so we can see how it behaves in production",
         "Help define coding standards, tooling and best practices for the team",
         "Collaborate with QA to automate regression testing",
         "Investigate and fix bugs reported by customers and support",
         "Build internal tools that make the whole company faster")),
    Field(
        "Data & AI", 12,
        ("Data Engineer", "Data Scientist", "Machine Learning Engineer", "Data Analyst",
         "Analytics Engineer", "BI Developer", "MLOps Engineer", "Research Scientist",
         "Applied Scientist", "AI Engineer"),
        ("Head of Data", "Director of Data Science", "VP of Data & AI", "Chief Data Officer"),
        ("data", "datastores", "Python", "SQL", "R", "Scala", "Java"),
        130_000,
        ("Build and maintain reliable batch and streaming data pipelines",
         "Design data models that make analysis fast and trustworthy",
         "Train, evaluate and deploy machine-learning models to production",
         "Run experiments and turn their results into clear recommendations",
         "Build dashboards that leadership actually uses to make decisions",
         "Partner with product teams to define metrics and measure impact",
         "Improve data quality with tests, monitoring and clear ownership",
         "Explore large datasets to find opportunities for the business",
         "Productionise notebooks into maintainable, scheduled jobs",
         "Keep our data warehouse costs under control as usage grows",
         "Evaluate new models and techniques and share what you learn",
         "Document datasets so that anyone in the company can self-serve")),
    Field(
        "DevOps & Infrastructure", 8,
        ("DevOps Engineer", "Site Reliability Engineer", "Platform Engineer", "Cloud Engineer",
         "Infrastructure Engineer", "Systems Administrator", "Database Administrator",
         "Network Engineer", "Release Engineer"),
        ("Head of Platform", "Director of Infrastructure", "VP of Platform Engineering"),
        ("cloud", "datastores", "Python", "Go", "Bash", "Rust"),
        138_000,
        ("Run and evolve our Kubernetes platform across several regions",
         "Manage infrastructure as code and keep environments reproducible",
         "Define service-level objectives and the alerts that protect them",
         "Lead incident response and write blameless post-mortems",
         "Make deployments faster, safer and boring",
         "Tune databases, caches and queues for throughput and cost",
         "Harden our systems with least-privilege access and automated patching",
         "Build self-service tooling for product engineering teams",
         "Plan capacity ahead of seasonal peaks",
         "Automate backups and regularly prove that restores work",
         "Keep observability useful: logs, metrics and traces that answer questions")),
    Field(
        "Security", 4,
        ("Security Engineer", "Application Security Engineer", "Cloud Security Engineer",
         "Security Analyst", "Penetration Tester", "Detection Engineer", "GRC Specialist"),
        ("Head of Security", "Director of Information Security", "CISO"),
        ("security", "cloud", "Python", "Go", "C"),
        145_000,
        ("Threat-model new features together with the engineers building them",
         "Run and triage our bug bounty and vulnerability management programmes",
         "Build detections and respond to security incidents",
         "Review code and architecture for security weaknesses",
         "Lead our SOC 2 and ISO 27001 audits",
         "Roll out single sign-on, MFA and least-privilege access across the company",
         "Train engineers to write secure code",
         "Assess the security of vendors and third-party integrations",
         "Automate security checks in our CI/CD pipelines")),
    Field(
        "Product Management", 5,
        ("Product Manager", "Product Owner", "Technical Product Manager", "Growth Product Manager",
         "Platform Product Manager", "Product Operations Manager"),
        ("Head of Product", "Director of Product", "VP of Product", "Chief Product Officer"),
        ("product", "soft", "A/B Testing", "SQL", "User Research", "Prototyping"),
        140_000,
        ("Own the roadmap for a product area and explain the why behind it",
         "Talk to customers every week and turn what you learn into decisions",
         "Write crisp product requirements with clear success metrics",
         "Prioritise ruthlessly with engineering and design as equal partners",
         "Launch features and follow up on adoption and impact",
         "Align stakeholders across sales, support and marketing",
         "Run discovery to validate problems before we build solutions",
         "Analyse product data to find where users get stuck")),
    Field(
        "Design", 5,
        ("Product Designer", "UX Designer", "UI Designer", "UX Researcher", "Visual Designer",
         "Content Designer", "Design Systems Designer", "Motion Designer"),
        ("Head of Design", "Design Director", "VP of Design"),
        ("design", "HTML", "CSS", "Web Accessibility", "Product Strategy", "Agile"),
        120_000,
        ("Design end-to-end experiences from early sketches to polished UI",
         "Plan and run user research, interviews and usability tests",
         "Contribute to and evolve our design system",
         "Prototype ideas quickly to test them with real users",
         "Collaborate closely with engineers through implementation",
         "Make accessibility part of every design, not an afterthought",
         "Present your work and rationale to stakeholders",
         "Write interface copy that is clear and kind")),
    Field(
        "Marketing", 7,
        ("Marketing Manager", "Content Marketing Manager", "Growth Marketer", "SEO Specialist",
         "Product Marketing Manager", "Performance Marketing Manager", "Social Media Manager",
         "Marketing Operations Specialist", "Copywriter", "Brand Manager"),
        ("Head of Marketing", "Director of Marketing", "VP of Marketing", "CMO"),
        ("marketing", "soft", "A/B Testing", "Excel", "Product Analytics"),
        105_000,
        ("Plan and run campaigns across paid, owned and earned channels",
         "Write and edit content that our audience wants to read",
         "Own positioning and messaging for product launches",
         "Grow organic traffic through technical and content SEO",
         "Manage budgets and report on return on ad spend",
         "Build lifecycle email programmes that convert and retain",
         "Work with sales on enablement material and competitive insights",
         "Measure what works and double down on it")),
    Field(
        "Sales & Customer Success", 9,
        ("Account Executive", "Sales Development Representative", "Customer Success Manager",
         "Account Manager", "Solutions Engineer", "Sales Engineer", "Partnerships Manager",
         "Business Development Manager", "Implementation Consultant"),
        ("Head of Sales", "Director of Customer Success", "VP of Sales", "Chief Revenue Officer"),
        ("sales", "soft", "Excel"),
        95_000,
        ("Manage a pipeline of mid-market and enterprise opportunities",
         "Run discovery calls and tailored product demos",
         "Negotiate contracts and close new business",
         "Onboard new customers and make them successful quickly",
         "Grow accounts through renewals, upsells and referrals",
         "Keep the CRM accurate so forecasts can be trusted",
         "Feed customer insights back to product and marketing",
         "Build long-term relationships with key stakeholders")),
    Field(
        "Finance & Accounting", 5,
        ("Financial Analyst", "Accountant", "FP&A Manager", "Controller", "Payroll Specialist",
         "Revenue Accountant", "Tax Manager", "Finance Business Partner"),
        ("Head of Finance", "Finance Director", "VP of Finance", "CFO"),
        ("finance", "soft", "SQL"),
        100_000,
        ("Own the monthly close and keep the books accurate",
         "Build financial models that support planning and fundraising",
         "Prepare budgets and forecasts with department leaders",
         "Improve and automate finance processes and controls",
         "Support external audits and tax filings",
         "Analyse unit economics and explain the drivers of variance",
         "Manage relationships with banks, auditors and advisers")),
    Field(
        "People & Operations", 5,
        ("Talent Acquisition Partner", "Technical Recruiter", "HR Business Partner",
         "People Operations Specialist", "Office Manager", "Operations Manager",
         "Learning & Development Manager", "Project Manager", "Program Manager"),
        ("Head of People", "Director of Operations", "VP of People", "COO"),
        ("people", "soft", "Excel", "Agile", "Jira"),
        92_000,
        ("Run full-cycle recruiting for roles across the company",
         "Design onboarding that gets new hires productive in their first month",
         "Advise managers on performance, growth and difficult conversations",
         "Keep our HR systems and policies simple and up to date",
         "Plan and coordinate cross-team programmes and their milestones",
         "Improve internal processes so teams spend less time on admin",
         "Own vendor relationships and the budgets that go with them",
         "Shape a culture where people do their best work")),
    Field(
        "Customer Support", 5,
        ("Customer Support Specialist", "Technical Support Engineer", "Support Team Lead",
         "Customer Experience Associate", "Support Operations Analyst"),
        ("Head of Support", "Director of Customer Experience"),
        ("sales", "soft", "SQL", "Jira", "Confluence"),
        65_000,
        ("Answer customer questions by chat, email and phone",
         "Troubleshoot technical issues and escalate bugs with clear reproductions",
         "Write and improve help-centre articles",
         "Spot trends in tickets and share them with product teams",
         "Keep response times and satisfaction scores where they should be",
         "Help shape support processes and tooling as we scale")),
)

FIELD_WEIGHTS: list[int] = [field.weight for field in FIELDS]


# --- Experience, job type, remote policy ------------------------------------------------

# (value, weight, title prefixes, salary multiplier, years of experience in the text)
LEVELS: tuple[tuple[str, int, tuple[str, ...], float, str], ...] = (
    ("entry", 15, ("Junior ", "Associate ", "Graduate "), 0.65, "0-2"),
    ("mid", 35, ("",), 1.0, "3+"),
    ("senior", 32, ("Senior ",), 1.3, "5+"),
    ("lead", 12, ("Lead ", "Staff ", "Principal "), 1.6, "8+"),
    ("executive", 6, ("",), 2.1, "10+"),
)
LEVEL_WEIGHTS: list[int] = [level[1] for level in LEVELS]

# (value, weight, salary multiplier: annual pay for the same level, pro-rata for part-time)
JOB_TYPES: tuple[tuple[str, int, float], ...] = (
    ("full_time", 80, 1.0),
    ("contract", 8, 1.1),
    ("part_time", 5, 0.5),
    ("internship", 4, 0.35),
    ("temporary", 3, 0.8),
)
JOB_TYPE_WEIGHTS: list[int] = [job_type[1] for job_type in JOB_TYPES]


# --- Places and money -------------------------------------------------------------------

# Units of each currency per US dollar, rounded: good enough for believable salary bands.
CURRENCY_PER_USD: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "CHF": 0.88, "SEK": 10.5, "DKK": 6.9,
    "NOK": 10.7, "PLN": 4.0, "CZK": 23.0, "RON": 4.6, "INR": 83.0, "SGD": 1.34, "JPY": 150.0,
    "KRW": 1330.0, "AUD": 1.52, "NZD": 1.64, "BRL": 5.0, "MXN": 17.0, "ILS": 3.7, "AED": 3.67,
    "ZAR": 18.5,
}


def salary_step(currency: str) -> int:
    """Round salaries the way postings do: to a thousand dollars, a hundred thousand yen."""
    rate = CURRENCY_PER_USD[currency]
    return 1000 if rate < 5 else 10 ** (int(math.log10(rate)) + 3)


# (location text, currency, pay relative to an average-cost US city, remote policy or "")
LOCATIONS: tuple[tuple[str, str, float, str], ...] = (
    ("San Francisco, CA, USA", "USD", 1.25, ""), ("New York, NY, USA", "USD", 1.2, ""),
    ("Seattle, WA, USA", "USD", 1.15, ""), ("Austin, TX, USA", "USD", 1.0, ""),
    ("Boston, MA, USA", "USD", 1.1, ""), ("Chicago, IL, USA", "USD", 0.95, ""),
    ("Denver, CO, USA", "USD", 0.95, ""), ("Los Angeles, CA, USA", "USD", 1.1, ""),
    ("Atlanta, GA, USA", "USD", 0.9, ""), ("Miami, FL, USA", "USD", 0.9, ""),
    ("Portland, OR, USA", "USD", 0.95, ""), ("Raleigh, NC, USA", "USD", 0.9, ""),
    ("Washington, DC, USA", "USD", 1.05, ""), ("Salt Lake City, UT, USA", "USD", 0.85, ""),
    ("Minneapolis, MN, USA", "USD", 0.9, ""), ("Pittsburgh, PA, USA", "USD", 0.85, ""),
    ("Toronto, Canada", "CAD", 0.75, ""), ("Vancouver, Canada", "CAD", 0.75, ""),
    ("Montreal, Canada", "CAD", 0.65, ""),
    ("London, UK", "GBP", 0.8, ""), ("Manchester, UK", "GBP", 0.65, ""),
    ("Edinburgh, UK", "GBP", 0.65, ""), ("Bristol, UK", "GBP", 0.65, ""),
    ("Cambridge, UK", "GBP", 0.7, ""), ("Dublin, Ireland", "EUR", 0.75, ""),
    ("Berlin, Germany", "EUR", 0.65, ""), ("Munich, Germany", "EUR", 0.72, ""),
    ("Hamburg, Germany", "EUR", 0.65, ""), ("Frankfurt, Germany", "EUR", 0.7, ""),
    ("Paris, France", "EUR", 0.62, ""), ("Lyon, France", "EUR", 0.52, ""),
    ("Amsterdam, Netherlands", "EUR", 0.7, ""), ("Rotterdam, Netherlands", "EUR", 0.62, ""),
    ("Madrid, Spain", "EUR", 0.48, ""), ("Barcelona, Spain", "EUR", 0.5, ""),
    ("Valencia, Spain", "EUR", 0.42, ""), ("Lisbon, Portugal", "EUR", 0.42, ""),
    ("Porto, Portugal", "EUR", 0.38, ""), ("Milan, Italy", "EUR", 0.5, ""),
    ("Rome, Italy", "EUR", 0.45, ""), ("Vienna, Austria", "EUR", 0.6, ""),
    ("Brussels, Belgium", "EUR", 0.6, ""), ("Helsinki, Finland", "EUR", 0.58, ""),
    ("Tallinn, Estonia", "EUR", 0.4, ""), ("Zurich, Switzerland", "CHF", 1.05, ""),
    ("Geneva, Switzerland", "CHF", 1.0, ""), ("Stockholm, Sweden", "SEK", 0.62, ""),
    ("Copenhagen, Denmark", "DKK", 0.7, ""), ("Oslo, Norway", "NOK", 0.7, ""),
    ("Warsaw, Poland", "PLN", 0.38, ""), ("Krakow, Poland", "PLN", 0.35, ""),
    ("Prague, Czechia", "CZK", 0.38, ""), ("Bucharest, Romania", "RON", 0.3, ""),
    ("Bangalore, India", "INR", 0.22, ""), ("Hyderabad, India", "INR", 0.2, ""),
    ("Pune, India", "INR", 0.19, ""), ("Mumbai, India", "INR", 0.21, ""),
    ("Singapore", "SGD", 0.75, ""), ("Tokyo, Japan", "JPY", 0.55, ""),
    ("Seoul, South Korea", "KRW", 0.5, ""), ("Sydney, Australia", "AUD", 0.75, ""),
    ("Melbourne, Australia", "AUD", 0.72, ""), ("Auckland, New Zealand", "NZD", 0.6, ""),
    ("São Paulo, Brazil", "BRL", 0.25, ""), ("Mexico City, Mexico", "MXN", 0.25, ""),
    ("Buenos Aires, Argentina", "USD", 0.22, ""), ("Tel Aviv, Israel", "ILS", 0.75, ""),
    ("Dubai, UAE", "AED", 0.75, ""), ("Cape Town, South Africa", "ZAR", 0.3, ""),
    ("Nairobi, Kenya", "USD", 0.2, ""), ("Lagos, Nigeria", "USD", 0.2, ""),
    ("Remote", "USD", 1.0, "remote"), ("Remote (US)", "USD", 1.0, "remote"),
    ("Remote (Europe)", "EUR", 0.6, "remote"), ("Remote (EMEA)", "EUR", 0.55, "remote"),
    ("Remote (Americas)", "USD", 0.85, "remote"), ("Remote (APAC)", "USD", 0.6, "remote"),
)
# Where a seeker who lives (or looks) there keeps their clock.
TIME_ZONES: dict[str, str] = {
    "San Francisco, CA, USA": "America/Los_Angeles", "New York, NY, USA": "America/New_York",
    "Seattle, WA, USA": "America/Los_Angeles", "Austin, TX, USA": "America/Chicago",
    "Boston, MA, USA": "America/New_York", "Chicago, IL, USA": "America/Chicago",
    "Denver, CO, USA": "America/Denver", "Los Angeles, CA, USA": "America/Los_Angeles",
    "Atlanta, GA, USA": "America/New_York", "Miami, FL, USA": "America/New_York",
    "Portland, OR, USA": "America/Los_Angeles", "Raleigh, NC, USA": "America/New_York",
    "Washington, DC, USA": "America/New_York", "Salt Lake City, UT, USA": "America/Denver",
    "Minneapolis, MN, USA": "America/Chicago", "Pittsburgh, PA, USA": "America/New_York",
    "Toronto, Canada": "America/Toronto", "Vancouver, Canada": "America/Vancouver",
    "Montreal, Canada": "America/Toronto", "London, UK": "Europe/London", "Manchester, UK": "Europe/London",
    "Edinburgh, UK": "Europe/London", "Bristol, UK": "Europe/London", "Cambridge, UK": "Europe/London",
    "Dublin, Ireland": "Europe/Dublin", "Berlin, Germany": "Europe/Berlin", "Munich, Germany": "Europe/Berlin",
    "Hamburg, Germany": "Europe/Berlin", "Frankfurt, Germany": "Europe/Berlin", "Paris, France": "Europe/Paris",
    "Lyon, France": "Europe/Paris", "Amsterdam, Netherlands": "Europe/Amsterdam",
    "Rotterdam, Netherlands": "Europe/Amsterdam", "Madrid, Spain": "Europe/Madrid",
    "Barcelona, Spain": "Europe/Madrid", "Valencia, Spain": "Europe/Madrid", "Lisbon, Portugal": "Europe/Lisbon",
    "Porto, Portugal": "Europe/Lisbon", "Milan, Italy": "Europe/Rome", "Rome, Italy": "Europe/Rome",
    "Vienna, Austria": "Europe/Vienna", "Brussels, Belgium": "Europe/Brussels", "Helsinki, Finland": "Europe/Helsinki",
    "Tallinn, Estonia": "Europe/Tallinn", "Zurich, Switzerland": "Europe/Zurich", "Geneva, Switzerland": "Europe/Zurich",
    "Stockholm, Sweden": "Europe/Stockholm", "Copenhagen, Denmark": "Europe/Copenhagen", "Oslo, Norway": "Europe/Oslo",
    "Warsaw, Poland": "Europe/Warsaw", "Krakow, Poland": "Europe/Warsaw", "Prague, Czechia": "Europe/Prague",
    "Bucharest, Romania": "Europe/Bucharest", "Bangalore, India": "Asia/Kolkata", "Hyderabad, India": "Asia/Kolkata",
    "Pune, India": "Asia/Kolkata", "Mumbai, India": "Asia/Kolkata", "Singapore": "Asia/Singapore",
    "Tokyo, Japan": "Asia/Tokyo", "Seoul, South Korea": "Asia/Seoul", "Sydney, Australia": "Australia/Sydney",
    "Melbourne, Australia": "Australia/Melbourne", "Auckland, New Zealand": "Pacific/Auckland",
    "São Paulo, Brazil": "America/Sao_Paulo", "Mexico City, Mexico": "America/Mexico_City",
    "Buenos Aires, Argentina": "America/Argentina/Buenos_Aires", "Tel Aviv, Israel": "Asia/Jerusalem",
    "Dubai, UAE": "Asia/Dubai", "Cape Town, South Africa": "Africa/Johannesburg", "Nairobi, Kenya": "Africa/Nairobi",
    "Lagos, Nigeria": "Africa/Lagos", "Remote": "America/New_York", "Remote (US)": "America/Chicago",
    "Remote (Europe)": "Europe/Berlin", "Remote (EMEA)": "Europe/London", "Remote (Americas)": "America/New_York",
    "Remote (APAC)": "Asia/Singapore",
}

# Remote postings are about a fifth of the catalogue, as on real boards.
LOCATION_WEIGHTS: list[int] = [14 if policy == "remote" else 3 for _, _, _, policy in LOCATIONS]
CITY_NAMES: list[str] = [name for name, _, _, policy in LOCATIONS if not policy]


# --- Companies --------------------------------------------------------------------------

COMPANY_ROOTS: tuple[str, ...] = (
    "Acorn", "Aether", "Alder", "Altitude", "Amber", "Anvil", "Apex", "Arbor", "Archway", "Argent",
    "Atlas", "Aurora", "Avalon", "Basalt", "Beacon", "Birch", "Bluefin", "Bolt", "Boreal", "Brightwave",
    "Brook", "Cairn", "Candor", "Canopy", "Cascade", "Cedar", "Celest", "Cinder", "Cirrus", "Clearwater",
    "Cobalt", "Compass", "Copper", "Coral", "Crescent", "Crimson", "Crystal", "Cypress", "Delta", "Drift",
    "Driftwood", "Ember", "Emerald", "Evergreen", "Falcon", "Fathom", "Fern", "Fjord", "Flint", "Forge",
    "Foxglove", "Frontier", "Gable", "Garnet", "Glacier", "Granite", "Greenleaf", "Harbor", "Hawthorn",
    "Helix", "Heron", "Highland", "Horizon", "Indigo", "Ironwood", "Ivory", "Jade", "Juniper", "Kestrel",
    "Keystone", "Kinetic", "Lantern", "Larch", "Lattice", "Lighthouse", "Linden", "Lumen", "Lynx",
    "Magnolia", "Maple", "Marble", "Meadow", "Meridian", "Mesa", "Monarch", "Moss", "Nimbus", "Northwind",
    "Nova", "Oak", "Obsidian", "Onyx", "Orbit", "Orchid", "Osprey", "Pacific", "Palisade", "Pebble",
    "Pinnacle", "Pioneer", "Polar", "Prism", "Quarry", "Quartz", "Quill", "Radiant", "Raven", "Redwood",
    "Ridge", "Riverbend", "Rowan", "Saffron", "Sage", "Sapphire", "Sequoia", "Sierra", "Silverline",
    "Skylark", "Slate", "Solstice", "Sparrow", "Spruce", "Stellar", "Summit", "Sundial", "Tidal",
    "Timber", "Topaz", "Trailhead", "Tundra", "Umber", "Upland", "Vantage", "Velvet", "Verdant",
    "Vertex", "Vista", "Wayfarer", "Willow", "Windmill", "Zenith", "Zephyr",
)
COMPANY_SUFFIXES: tuple[tuple[str, str], ...] = (
    # (suffix, what the company does: fills the "About us" paragraph)
    ("Labs", "developer tools"), ("Systems", "infrastructure software"), ("Analytics", "analytics"),
    ("Health", "digital health"), ("Robotics", "warehouse robotics"), ("Pay", "payments"),
    ("Bank", "online banking"), ("Software", "business software"), ("Cloud", "cloud hosting"),
    ("Data", "data infrastructure"), ("AI", "applied machine learning"), ("Security", "cybersecurity"),
    ("Logistics", "logistics"), ("Energy", "renewable energy"), ("Mobility", "urban mobility"),
    ("Learning", "online education"), ("Media", "digital media"), ("Games", "video games"),
    ("Foods", "food delivery"), ("Insurance", "insurance"), ("Travel", "travel booking"),
    ("Bio", "biotechnology"), ("Networks", "networking"), ("Commerce", "e-commerce"),
    ("Studio", "product design"), ("Works", "construction technology"), ("Retail", "retail"),
    ("Capital", "investment management"), ("Telecom", "telecommunications"), ("Home", "property technology"),
    ("Legal", "legal technology"), ("Fitness", "fitness"), ("Maps", "mapping and geospatial data"),
    ("Ventures", "venture-backed marketplaces"), ("Technologies", "industrial IoT"), ("Space", "satellite imaging"),
    ("Grid", "smart-grid software"), ("Care", "elder care"), ("Motors", "electric vehicles"),
    ("Agritech", "agricultural technology"),
)

COMPANY_ABOUT: tuple[str, ...] = (
    "{company} builds {sector} products used by more than {customers} customers in {countries} countries. "
    "Founded in {founded} and headquartered in {hq}, we are a team of {size} people who care about craft, "
    "candour and shipping things that matter.",
    "At {company}, we are on a mission to make {sector} simpler, fairer and more reliable. Since {founded} "
    "we have grown from a handful of people in {hq} to a team of {size}, backed by investors who share our "
    "long-term view.",
    "{company} is a {sector} company founded in {founded}. Our platform serves {customers} customers "
    "across {countries} countries, and our {size}-person team works from {hq} and remotely.",
    "We started {company} in {founded} because {sector} was stuck in the past. Today we are profitable, "
    "growing steadily, and a team of {size} spread between {hq} and a dozen time zones.",
    "{company} helps organisations of every size get more out of {sector}. We are {size} people, "
    "headquartered in {hq}, serving {customers} customers, and we still answer support tickets ourselves.",
)

ROLE_INTROS: tuple[str, ...] = (
    "We are looking for {a_title} to join our {team} team. You will have real ownership from your first "
    "week and work on problems that directly shape our product.",
    "As {a_title} at {company}, you will join a small, senior {team} team and help us take the product "
    "to its next stage of growth.",
    "We are hiring {a_title} who enjoys both the big picture and the details. You will work across the "
    "{team} team and partner with people throughout the company.",
    "This is an opportunity to join {company} as {a_title} at a time when your work will have an "
    "outsized impact. Our {team} team is growing and we would love your help.",
    "Our {team} team is looking for {a_title} to help us scale. You will work with thoughtful colleagues "
    "on work that customers notice.",
)

REQUIREMENTS: tuple[str, ...] = (
    "A track record of delivering results in a fast-moving environment",
    "Clear written and spoken communication in English",
    "Comfort with ambiguity and the judgement to know when to ask for help",
    "A habit of measuring the impact of your work",
    "Experience collaborating with distributed teams",
    "Curiosity and a willingness to learn new tools",
    "Empathy for users and colleagues alike",
    "Ownership: you follow things through to the end",
    "Experience working in an agile team",
    "A degree in a relevant field, or equivalent practical experience",
)

NICE_TO_HAVES: tuple[str, ...] = (
    "Experience at a startup or scale-up",
    "Contributions to open-source projects",
    "Experience in a regulated industry",
    "Fluency in a second language",
    "Experience mentoring or managing others",
    "A portfolio or writing you are proud of",
)

BENEFITS: tuple[str, ...] = (
    "Competitive salary and meaningful equity",
    "30 days of paid holiday plus public holidays",
    "Private health, dental and vision insurance for you and your family",
    "A yearly learning budget for books, courses and conferences",
    "Flexible working hours and a remote-friendly culture",
    "Sixteen weeks of fully paid parental leave",
    "A home-office budget and the laptop of your choice",
    "Pension or 401(k) matching",
    "A four-day work week during summer",
    "Regular team off-sites somewhere beautiful",
    "Wellbeing allowance for gym, therapy or whatever keeps you well",
    "Sabbatical after four years with us",
    "Commuter benefits and bike-to-work scheme",
    "Relocation support and visa sponsorship",
    "Stock options with a ten-year exercise window",
    "Quarterly company-wide hack weeks",
)

CLOSINGS: tuple[str, ...] = (
    "We welcome applicants from all backgrounds and do not discriminate on the basis of race, religion, "
    "gender, sexual orientation, age, disability or any other protected characteristic.",
    "Not sure you meet every requirement? Apply anyway: we care more about potential than checklists.",
    "Our interview process has four steps and usually takes two to three weeks. We will keep you "
    "informed at every stage.",
    "If you need any adjustments during the hiring process, tell us and we will make them.",
)

TEAM_NAMES: dict[str, tuple[str, ...]] = {
    "Software Engineering": ("Platform", "Payments", "Growth", "Core Product", "Mobile", "Integrations"),
    "Data & AI": ("Data Platform", "Machine Learning", "Analytics", "Research"),
    "DevOps & Infrastructure": ("Infrastructure", "Reliability", "Developer Experience"),
    "Security": ("Security", "Trust & Safety", "Security Operations"),
    "Product Management": ("Product", "Growth", "Platform"),
    "Design": ("Design", "Brand & Design", "Research"),
    "Marketing": ("Marketing", "Growth Marketing", "Brand"),
    "Sales & Customer Success": ("Sales", "Customer Success", "Partnerships"),
    "Finance & Accounting": ("Finance", "Accounting"),
    "People & Operations": ("People", "Operations", "Talent"),
    "Customer Support": ("Support", "Customer Experience"),
}

# --- Applications -----------------------------------------------------------------------

APPLICATION_NOTES: tuple[str, ...] = (
    "Referred by a former colleague.",
    "Recruiter reached out on LinkedIn.",
    "Great first call with the hiring manager; they liked the side project.",
    "Take-home assignment due next Friday.",
    "Salary band discussed: roughly in line with what I asked for.",
    "Need to prepare a system-design interview.",
    "Team seems lovely, but the commute is long.",
    "Asked about visa sponsorship: they can sponsor.",
    "Sent a thank-you email after the interview.",
    "Follow up with the recruiter if no news by end of week.",
    "Remote-first; core hours overlap with mine.",
    "Applied through the careers page with a tailored cover letter.",
    "Second round is a pair-programming session.",
    "They are moving fast; decision expected within two weeks.",
    "Offer letter received; reviewing the equity terms.",
    "Mentioned a hiring freeze might delay things.",
)

HEADLINE_TEMPLATES: tuple[str, ...] = (
    "{title} looking for my next challenge",
    "{title} · {skills}",
    "{title} open to {remote} roles",
    "Experienced {title}",
    "{title} with a passion for {skill}",
)

# Hand-entered applications point at companies outside the catalogue.
HAND_ENTERED_COMPANIES: tuple[str, ...] = (
    "Small local agency", "Friend's startup", "Municipal IT department", "University research group",
    "Regional hospital", "Family-owned manufacturer", "Non-profit", "Independent bookshop chain",
)
