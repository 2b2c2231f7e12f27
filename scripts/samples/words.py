"""Word lists and weighted pools the sample generator draws from (UK places, names, trades, jobs).

Input: none. Output: constants only. Invariant: order matters: every pool is indexed by seeded
draws, so reordering or editing an entry changes the generated samples.
"""

from __future__ import annotations

import numpy as np

AS_OF = np.datetime64("2026-11-01")  # the customer extract's date; every date is relative to it

# Real UK postcode areas, so postcodes look right; (area, post town, highest district, weight).
AREAS = (
    ("SW", "London", 20, 5), ("SE", "London", 28, 5), ("N", "London", 22, 4),
    ("E", "London", 18, 4), ("NW", "London", 11, 3), ("W", "London", 14, 3),
    ("EC", "London", 4, 1), ("WC", "London", 2, 1),
    ("B", "Birmingham", 98, 4), ("M", "Manchester", 60, 4), ("L", "Liverpool", 38, 3),
    ("LS", "Leeds", 29, 3), ("S", "Sheffield", 36, 3), ("BS", "Bristol", 41, 3),
    ("NE", "Newcastle upon Tyne", 66, 2), ("NG", "Nottingham", 25, 2), ("LE", "Leicester", 19, 2),
    ("CV", "Coventry", 47, 2), ("BN", "Brighton", 45, 2), ("OX", "Oxford", 49, 1),
    ("CB", "Cambridge", 25, 1), ("EX", "Exeter", 39, 1), ("PL", "Plymouth", 35, 1),
    ("SO", "Southampton", 53, 1), ("RG", "Reading", 45, 2), ("MK", "Milton Keynes", 46, 1),
    ("NR", "Norwich", 35, 1), ("YO", "York", 62, 1), ("HU", "Hull", 20, 1),
    ("CF", "Cardiff", 83, 2),
    ("SA", "Swansea", 73, 1), ("EH", "Edinburgh", 55, 2), ("G", "Glasgow", 84, 3),
    ("AB", "Aberdeen", 56, 1), ("DD", "Dundee", 11, 1), ("BT", "Belfast", 94, 2),
    ("BA", "Bath", 22, 1), ("GL", "Gloucester", 56, 1), ("DE", "Derby", 75, 1),
    ("ST", "Stoke-on-Trent", 21, 1), ("PR", "Preston", 26, 1), ("SR", "Sunderland", 9, 1),
    ("DH", "Durham", 9, 1), ("LN", "Lincoln", 13, 1), ("IP", "Ipswich", 33, 1),
    ("CT", "Canterbury", 21, 1), ("GU", "Guildford", 52, 1), ("TN", "Tunbridge Wells", 40, 1),
)  # fmt: skip
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREET_WORDS = (
    "Church", "Station", "Mill", "Park", "Victoria", "Albert", "Queens", "Kings", "Manor", "Oak",
    "Elm", "Grange", "Meadow", "Orchard", "Chapel", "School", "Bridge", "Windsor", "York", "Castle",
)  # fmt: skip
STREET_TYPES = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Grove",
    "Place", "Court", "Terrace", "Mews", "Hill", "Walk", "Row", "Square",
)  # fmt: skip
ACCENTED = (
    ("Zoë", "Chloé", "Renée", "Siân", "Anaïs"),
    ("José", "Seán", "Rónán", "Jérôme", "Andrés"),
)
PERSONAL_DOMAINS = (
    ("gmail.com", 35), ("hotmail.co.uk", 14), ("yahoo.co.uk", 9), ("outlook.com", 12),
    ("btinternet.com", 6), ("icloud.com", 8), ("hotmail.com", 5), ("yahoo.com", 4), ("sky.com", 3),
    ("live.co.uk", 2), ("virginmedia.com", 1), ("talktalk.net", 1),
)  # fmt: skip

# Company names are prefix + trade so that, apart from the deliberate decoys, no two companies
# in a default-sized run share a distinctive word (the truth would be ambiguous otherwise).
HEADS = (
    "Ash", "Black", "Brack", "Bright", "Brook", "Burn", "Cal", "Chester", "Clay", "Cold", "Cran",
    "Dun", "East", "Elm", "Fair", "Fern", "Fox", "Glen", "Green", "Hart", "Hazel", "High", "Holly",
    "King", "Lang", "Lark", "Lime", "Marsh", "Mill", "Moor", "North", "Oak", "Pen", "Red", "Ridge",
    "Rock", "Rose", "Rother", "Shel", "Silver", "Stan", "Stone", "Sun", "Thorn", "West", "White",
    "Wick", "Wil", "Wind", "Wolf", "Wood", "Yew", "Alder", "Beech", "Birch", "Cedar", "Copper",
    "Iron", "Kestrel", "Heron",
)  # fmt: skip
TAILS = (
    "bury", "by", "combe", "dale", "field", "ford", "gate", "ham", "hurst", "ley", "mere", "mont",
    "more", "ton", "well", "wick", "worth", "stead", "brook", "bridge", "wood", "stone", "haven",
)  # fmt: skip
# (trade word, register SIC, the neighbouring code a broker tends to report instead)
INDUSTRIES = (
    ("Farms", "01110", "01500"), ("Dairies", "01410", "10510"), ("Fisheries", "03110", "10200"),
    ("Quarries", "08110", "08990"), ("Bakery", "10710", "10890"), ("Foods", "10890", "10850"),
    ("Brewery", "11050", "11010"), ("Textiles", "13990", "14190"), ("Joinery", "16230", "43320"),
    ("Print", "18129", "18130"), ("Packaging", "17219", "22220"), ("Chemicals", "20590", "20130"),
    ("Pharma", "21200", "21100"), ("Plastics", "22290", "22210"), ("Widgets", "25990", "25620"),
    ("Electronics", "26110", "27900"), ("Engineering", "28990", "71129"),
    ("Aerospace", "30300", "33160"), ("Marine", "30110", "33150"), ("Energy", "35110", "35140"),
    ("Water", "36000", "37000"), ("Construction", "41201", "43999"), ("Builders", "41202", "41201"),
    ("Plumbing", "43220", "43210"), ("Electrical", "43210", "43220"), ("Motors", "45111", "45200"),
    ("Trading", "46900", "46190"), ("Stores", "47190", "47910"), ("Logistics", "49410", "52290"),
    ("Couriers", "53202", "49410"), ("Hotels", "55100", "55900"), ("Catering", "56210", "56101"),
    ("Publishing", "58110", "58190"), ("Media", "59111", "73110"), ("Telecom", "61100", "61900"),
    ("Software", "62012", "62020"), ("Digital", "62090", "63120"),
    ("Data Services", "63110", "62020"), ("Capital", "64999", "66190"),
    ("Insurance", "65120", "66220"), ("Property", "68100", "68209"), ("Lettings", "68209", "68310"),
    ("Solicitors", "69102", "69109"), ("Accountants", "69201", "69203"),
    ("Consulting", "70229", "70210"), ("Architects", "71111", "71112"), ("Labs", "72190", "71200"),
    ("Marketing", "73110", "70210"), ("Design", "74100", "73110"), ("Veterinary", "75000", "96090"),
    ("Recruitment", "78109", "78200"), ("Travel", "79110", "79120"), ("Security", "80100", "80200"),
    ("Cleaning", "81210", "81299"), ("Training", "85590", "85600"), ("Care", "87100", "88100"),
    ("Dental", "86230", "86900"), ("Fitness", "93130", "93110"), ("Events", "82301", "93290"),
    ("Coffee", "10830", "46370"),
)  # fmt: skip
PARTNERSHIP_TRADES = ("Solicitors", "Accountants", "Architects", "Consulting")
# Employers that are not companies, so the register never holds them: (name, domain, SIC).
BODIES = (
    ("{t} City Council", "{s}.gov.uk", "84110"), ("University of {t}", "{s}.ac.uk", "85421"),
    ("{t} Hospitals NHS Trust", "{s}hospitals.nhs.uk", "86101"),
    ("{t} College", "{s}college.ac.uk", "85320"),
)  # fmt: skip
SIZE_BANDS = (("1-10", 25), ("11-50", 30), ("51-200", 24), ("201-1000", 14), ("1000+", 7))
LEGAL_SHORT = {"LIMITED": "Ltd", "PLC": "plc", "LLP": "LLP", "": ""}
LEGAL_LONG = {"LIMITED": "Limited", "PLC": "PLC", "LLP": "LLP", "": ""}
JOB_LADDERS = (
    ("Sales Executive", "Account Manager", "Senior Account Manager", "Sales Manager",
     "Head of Sales", "Sales Director"),
    ("Marketing Assistant", "Marketing Executive", "Marketing Manager", "Senior Marketing Manager",
     "Head of Marketing", "Marketing Director"),
    ("Accounts Assistant", "Accountant", "Senior Accountant", "Finance Manager", "Head of Finance",
     "Finance Director"),
    ("HR Assistant", "HR Advisor", "HR Business Partner", "HR Manager", "Head of People",
     "HR Director"),
    ("Operations Assistant", "Operations Coordinator", "Operations Manager",
     "Senior Operations Manager", "Head of Operations", "Operations Director"),
    ("Data Analyst", "Senior Data Analyst", "Data Scientist", "Lead Data Scientist", "Head of Data",
     "Chief Data Officer"),
    ("Junior Developer", "Software Developer", "Senior Software Developer", "Principal Developer",
     "Head of Engineering", "Chief Technology Officer"),
    ("Graduate Engineer", "Engineer", "Senior Engineer", "Lead Engineer", "Engineering Manager",
     "Engineering Director"),
    ("Customer Service Advisor", "Customer Success Manager", "Senior Customer Success Manager",
     "Customer Service Manager", "Head of Customer Experience", "Customer Director"),
    ("Project Coordinator", "Project Manager", "Senior Project Manager", "Programme Manager",
     "Head of Delivery", "Delivery Director"),
    ("Paralegal", "Solicitor", "Senior Associate", "Legal Counsel", "Head of Legal",
     "General Counsel"),
    ("Buyer", "Procurement Officer", "Senior Buyer", "Procurement Manager", "Head of Procurement",
     "Chief Procurement Officer"),
    ("IT Support Technician", "Systems Administrator", "Infrastructure Engineer", "IT Manager",
     "Head of IT", "Chief Information Officer"),
    ("Junior Designer", "Designer", "Senior Designer", "Lead Designer", "Design Manager",
     "Creative Director"),
)  # fmt: skip
LEVEL_WEIGHTS = (20, 30, 22, 15, 9, 4)
INCOME_BANDS = (
    ("Under £15k", 10), ("£15k-£25k", 18), ("£25k-£40k", 27), ("£40k-£60k", 22),
    ("£60k-£100k", 15), ("£100k+", 8),
)  # fmt: skip
INTERESTS = (
    "travel", "cooking", "gardening", "football", "running", "cycling", "reading", "music",
    "theatre", "film", "gaming", "fashion", "diy", "pets", "wine", "photography", "golf", "yoga",
    "fishing", "crafts",
)  # fmt: skip
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Phone layouts seen in deliveries; the last one is a blank cell.
PHONE_LAYOUTS = 7
BLANK_PHONE = 6
