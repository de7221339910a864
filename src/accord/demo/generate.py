"""Synthetic bench data: thousands of plausible institutions, written fast and repeatably.

Institutions in about a hundred countries get an English name, a name in a second language
(the country's own among those below, else the Ukrainian name the home office would record),
acronyms, web domains, a small tree of units and, for universities, offered fields (ISCED-F
detailed) at EQF levels 6-8. A seed fixes every choice, so two runs with the same seed on empty
databases give the same rows.

Agreements (:func:`generate_agreements`) are made between the home university and those
institutions: memoranda and framework agreements, some renewed, with protocols under them, some
Erasmus+ inter-institutional agreements and a few joint programmes; protocols and Erasmus+
agreements carry directions tied to ISCED-F detailed fields and quotas per direction, mobility
type, flow and academic year.

Rows are written with ``bulk_create`` in batches, without audit entries: this is synthetic data
for measuring, not a record of anyone's work. Generated institutions carry
:data:`GENERATED_DESCRIPTION` and generated agreements :data:`GENERATED_AGREEMENT_TEXT`, so
:func:`generated_institutions` and :func:`generated_agreements` find them again; generators of
later parts (mobilities) sit beside these and draw from there.
"""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import accumulate, chain, count
from typing import TypeVar

from django.db import models, transaction

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    CooperationArea,
    Direction,
    Flow,
    MobilityType,
    Quota,
    VersionReason,
)
from accord.institutions.models import (
    Field,
    FieldLevel,
    Institution,
    InstitutionDomain,
    InstitutionKind,
    InstitutionName,
    InstitutionQuerySet,
    NameKind,
    Offering,
    PartnerStatus,
    Specialty,
    StudyLevel,
    Unit,
    UnitKind,
)

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

GENERATED_DESCRIPTION = "Synthetic institution made by `accord generate` for benchmarks."
BATCH_SIZE = 1000
MAX_UNITS_PER_INSTITUTION = 20

# Name parts by key: nouns depend on the institution's kind, qualifiers are a status and a focus.
NOUNS = (
    "university",
    "academy",
    "institute",
    "research institute",
    "hospital",
    "company",
    "agency",
    "foundation",
    "centre",
)
QUALIFIERS = ("national", "state", "technical", "medical", "agrarian", "economic", "pedagogical")
STATUSES = {"": 2, "national": 1, "state": 1}
FOCUSES = {"": 7, "technical": 4, "medical": 2, "agrarian": 2, "economic": 2, "pedagogical": 3}
# Only teaching and research institutions are named after a focus.
FOCUSED_KINDS = frozenset({InstitutionKind.UNIVERSITY, InstitutionKind.RESEARCH})
# ISCED-F broad fields an institution with that focus mostly teaches.
FOCUS_FIELDS = {
    "technical": ("06", "07"),
    "medical": ("09",),
    "agrarian": ("08",),
    "economic": ("03", "04"),
    "pedagogical": ("01", "02"),
}
KINDS = {
    InstitutionKind.UNIVERSITY: 70,
    InstitutionKind.RESEARCH: 10,
    InstitutionKind.COMPANY: 6,
    InstitutionKind.HEALTHCARE: 5,
    InstitutionKind.GOVERNMENT: 4,
    InstitutionKind.NONPROFIT: 3,
    InstitutionKind.OTHER: 2,
}
KIND_NOUNS = {
    InstitutionKind.UNIVERSITY: {"university": 14, "academy": 3, "institute": 3},
    InstitutionKind.RESEARCH: {"research institute": 7, "centre": 3},
    InstitutionKind.COMPANY: {"company": 1},
    InstitutionKind.HEALTHCARE: {"hospital": 1},
    InstitutionKind.GOVERNMENT: {"agency": 1},
    InstitutionKind.NONPROFIT: {"foundation": 1},
    InstitutionKind.OTHER: {"centre": 1},
}
# Cumulative shares of partner statuses; the rest are not partners.
PARTNER_SHARES = (
    (0.02, PartnerStatus.PARTNER),
    (0.035, PartnerStatus.PROSPECT),
    (0.04, PartnerStatus.FORMER),
)
# Chance that a unit offering a field teaches it at each level.
LEVEL_CHANCES = {StudyLevel.BACHELOR: 0.9, StudyLevel.MASTER: 0.7, StudyLevel.DOCTORATE: 0.35}
# (kind, English prefix, Ukrainian prefix) of top-level units and of the units under them.
UNIT_LABELS = {
    InstitutionKind.UNIVERSITY: (
        (UnitKind.FACULTY, "Faculty of", "Факультет"),
        (UnitKind.DEPARTMENT, "Department of", "Кафедра"),
    ),
    InstitutionKind.RESEARCH: (
        (UnitKind.CENTRE, "Centre for", "Центр"),
        (UnitKind.LABORATORY, "Laboratory of", "Лабораторія"),
    ),
}
OTHER_UNIT_LABELS = (
    (UnitKind.DEPARTMENT, "Division of", "Відділ"),
    (UnitKind.OTHER, "Section of", "Сектор"),
)
# Erasmus+ programme countries in COUNTRIES (the EU, Iceland, Norway, North Macedonia, Serbia,
# Turkey), with the prefixes their Erasmus codes use where these are not ISO codes.
ERASMUS_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"}
    | {"IE", "IS", "IT", "LT", "LU", "LV", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS"}
    | {"SE", "SI", "SK", "TR"}
)
ERASMUS_PREFIXES = {"AT": "A", "BE": "B", "DE": "D", "ES": "E", "FR": "F", "IT": "I"}
ACRONYM_STOPWORDS = frozenset({"of", "de", "di", "din", "w", "м."})


@dataclass(frozen=True)
class Language:
    """How institution names are put together in one language."""

    code: str
    pattern: str
    nouns: dict[str, tuple[str, int]]
    qualifiers: dict[str, tuple[str, ...]]

    def name(self, noun: str, status: str, focus: str, city: str) -> str:
        """The name of a ``noun`` in ``city`` with optional status and focus qualifiers."""
        word, gender = self.nouns[noun]
        text = self.pattern.format(
            noun=word,
            status=self._agree(status, gender),
            focus=self._agree(focus, gender),
            city=city,
        )
        text = " ".join(text.split())
        return text[0].upper() + text[1:]

    def _agree(self, qualifier: str, gender: int) -> str:
        if not qualifier:
            return ""
        forms = self.qualifiers[qualifier]
        return forms[gender] if gender < len(forms) else forms[0]


def _language(code: str, pattern: str, nouns: str, qualifiers: str) -> Language:
    """A language from ``;``-separated words in the order of NOUNS and QUALIFIERS.

    A noun may end in ``:f`` or ``:n`` (feminine, neuter; masculine otherwise); a qualifier
    lists its masculine/feminine/neuter forms separated by ``/`` (one form if invariable).
    """
    parsed_nouns = {}
    for key, entry in zip(NOUNS, nouns.split(";"), strict=True):
        word, _, gender = entry.strip().partition(":")
        parsed_nouns[key] = (word, "mfn".index(gender or "m"))
    parsed_qualifiers = {
        key: tuple(entry.strip().split("/"))
        for key, entry in zip(QUALIFIERS, qualifiers.split(";"), strict=True)
    }
    return Language(code, pattern, parsed_nouns, parsed_qualifiers)


LANGUAGES = {
    language.code: language
    for language in (
        _language(
            "en",
            "{city} {status} {focus} {noun}",
            "University; Academy; Institute; Research Institute; Clinical Hospital; Company; "
            "Agency; Foundation; Centre",
            "National; State; Technical; Medical; Agrarian; Economic; Pedagogical",
        ),
        _language(
            "uk",
            "{status} {focus} {noun} м. {city}",
            "університет; академія:f; інститут; науково-дослідний інститут; "
            "клінічна лікарня:f; компанія:f; агенція:f; фонд; центр",
            "національний/національна/національне; державний/державна/державне; "
            "технічний/технічна/технічне; медичний/медична/медичне; аграрний/аграрна/аграрне; "
            "економічний/економічна/економічне; педагогічний/педагогічна/педагогічне",
        ),
        _language(
            "az",
            "{city} {status} {focus} {noun}",
            "Universiteti; Akademiyası; İnstitutu; Elmi-Tədqiqat İnstitutu; "
            "Klinik Xəstəxanası; Şirkəti; Agentliyi; Fondu; Mərkəzi",
            "Milli; Dövlət; Texniki; Tibb; Aqrar; İqtisadiyyat; Pedaqoji",
        ),
        _language(
            "pl",
            "{status} {noun} {focus} w {city}",
            "Uniwersytet; Akademia:f; Instytut; Instytut Badawczy; Szpital Kliniczny; Spółka:f; "
            "Agencja:f; Fundacja:f; Centrum:n",
            "Narodowy/Narodowa/Narodowe; Państwowy/Państwowa/Państwowe; "
            "Techniczny/Techniczna/Techniczne; Medyczny/Medyczna/Medyczne; "
            "Rolniczy/Rolnicza/Rolnicze; Ekonomiczny/Ekonomiczna/Ekonomiczne; "
            "Pedagogiczny/Pedagogiczna/Pedagogiczne",
        ),
        _language(
            "de",
            "{status} {focus} {noun} {city}",
            "Universität:f; Akademie:f; Institut:n; Forschungsinstitut:n; Klinikum:n; "
            "Gesellschaft:f; Agentur:f; Stiftung:f; Zentrum:n",
            "Nationaler/Nationale/Nationales; Staatlicher/Staatliche/Staatliches; "
            "Technischer/Technische/Technisches; Medizinischer/Medizinische/Medizinisches; "
            "Landwirtschaftlicher/Landwirtschaftliche/Landwirtschaftliches; "
            "Ökonomischer/Ökonomische/Ökonomisches; Pädagogischer/Pädagogische/Pädagogisches",
        ),
        _language(
            "fr",
            "{noun} {focus} {status} de {city}",
            "Université:f; Académie:f; Institut; Institut de recherche; Hôpital universitaire; "
            "Société:f; Agence:f; Fondation:f; Centre",
            "national/nationale; d'État; technique; médical/médicale; agricole; économique; "
            "pédagogique",
        ),
        _language(
            "es",
            "{noun} {focus} {status} de {city}",
            "Universidad:f; Academia:f; Instituto; Instituto de Investigación; Hospital Clínico; "
            "Empresa:f; Agencia:f; Fundación:f; Centro",
            "Nacional; Estatal; Técnico/Técnica; Médico/Médica; Agrario/Agraria; "
            "Económico/Económica; Pedagógico/Pedagógica",
        ),
        _language(
            "pt",
            "{noun} {focus} {status} de {city}",
            "Universidade:f; Academia:f; Instituto; Instituto de Pesquisa; Hospital Universitário; "
            "Empresa:f; Agência:f; Fundação:f; Centro",
            "Nacional; Estadual; Técnico/Técnica; Médico/Médica; Agrário/Agrária; "
            "Econômico/Econômica; Pedagógico/Pedagógica",
        ),
        _language(
            "it",
            "{noun} {focus} {status} di {city}",
            "Università:f; Accademia:f; Istituto; Istituto di Ricerca; Policlinico; Società:f; "
            "Agenzia:f; Fondazione:f; Centro",
            "Nazionale; Statale; Tecnico/Tecnica; Medico/Medica; Agrario/Agraria; "
            "Economico/Economica; Pedagogico/Pedagogica",
        ),
        _language(
            "ro",
            "{noun} {focus} {status} din {city}",
            "Universitatea:f; Academia:f; Institutul:n; Institutul de Cercetare:n; "
            "Spitalul Clinic:n; Compania:f; Agenția:f; Fundația:f; Centrul:n",
            "Național/Națională; de Stat; Tehnic/Tehnică; Medical/Medicală; Agrar/Agrară; "
            "Economic/Economică; Pedagogic/Pedagogică",
        ),
        _language(
            "tr",
            "{city} {status} {focus} {noun}",
            "Üniversitesi; Akademisi; Enstitüsü; Araştırma Enstitüsü; Hastanesi; Şirketi; Ajansı; "
            "Vakfı; Merkezi",
            "Ulusal; Devlet; Teknik; Tıp; Tarım; Ekonomi; Eğitim",
        ),
    )
}

# Latin to Ukrainian Cyrillic, longest spellings first: enough to look like a transliteration.
_CYRILLIC = {
    "shch": "щ",
    "kh": "х",
    "zh": "ж",
    "ch": "ч",
    "sh": "ш",
    "ts": "ц",
    "ya": "я",
    "yu": "ю",
    "ye": "є",
    "ph": "ф",
    "th": "т",
    "ck": "к",
    "ai": "ай",
    "ei": "ей",
    "oi": "ой",
    "ee": "і",
    "oo": "у",
    "yo": "йо",
    "j": "дж",
    "x": "кс",
    **dict(zip("abcdefghiklmnopqrstuvwyz", "абкдефггіклмнопкрстуввиз", strict=True)),
}
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"Ł": "L", "ł": "l", "ı": "i", "Ə": "E", "ə": "e", "ß": "ss"})


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return folded.encode("ascii", "ignore").decode()


def cyrillic(text: str) -> str:
    """A Ukrainian-looking transliteration of a Latin-script name (Boston -> Бостон)."""
    latin = _ascii(text).lower()
    out, i = [], 0
    while i < len(latin):
        for length in (4, 2, 1):
            if latin[i : i + length] in _CYRILLIC:
                out.append(_CYRILLIC[latin[i : i + length]])
                i += length
                break
        else:
            out.append(latin[i])
            i += 1
    return re.sub(r"(?:^|(?<=[\s-]))\w", lambda m: m.group().upper(), "".join(out))


@dataclass(frozen=True)
class City:
    name: str
    local: str


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    domain: str
    weight: int
    cities: tuple[City, ...]


def _country(code: str, language: str, domain: str, weight: int, cities: str) -> Country:
    """A country from ``"English=Local, English"`` city names (local: the second-language name)."""
    parsed = []
    for entry in cities.split(", "):
        name, _, local = entry.partition("=")
        parsed.append(City(name, local or (cyrillic(name) if language == "uk" else name)))
    return Country(code, language, domain, weight, tuple(parsed))


# (ISO code, second language, domain suffix, relative number of institutions, cities)
COUNTRIES = [
    _country(*row)
    for row in (
        (
            "UA",
            "uk",
            "edu.ua",
            14,
            "Kyiv=Київ, Kharkiv=Харків, Lviv=Львів, Odesa=Одеса, Dnipro=Дніпро, "
            "Zaporizhzhia=Запоріжжя, Vinnytsia=Вінниця, Poltava=Полтава, Chernivtsi=Чернівці, "
            "Ivano-Frankivsk=Івано-Франківськ, Sumy=Суми, Ternopil=Тернопіль, "
            "Uzhhorod=Ужгород, Zhytomyr=Житомир",
        ),
        (
            "AZ",
            "az",
            "edu.az",
            4,
            "Baku=Bakı, Ganja=Gəncə, Sumgait=Sumqayıt, Lankaran=Lənkəran, "
            "Mingachevir=Mingəçevir, Nakhchivan=Naxçıvan",
        ),
        (
            "PL",
            "pl",
            "edu.pl",
            6,
            "Warsaw=Warszawa, Krakow=Kraków, Wroclaw=Wrocław, Poznan=Poznań, Gdansk=Gdańsk, "
            "Lodz=Łódź, Lublin, Katowice, Rzeszow=Rzeszów",
        ),
        (
            "DE",
            "de",
            "de",
            7,
            "Berlin, Munich=München, Hamburg, Dresden, Leipzig, Aachen, Heidelberg, Stuttgart, "
            "Cologne=Köln, Freiburg",
        ),
        ("AT", "de", "ac.at", 2, "Vienna=Wien, Graz, Innsbruck, Linz, Salzburg"),
        ("CH", "de", "ch", 2, "Zurich=Zürich, Bern, Basel, Lucerne=Luzern, St. Gallen"),
        (
            "FR",
            "fr",
            "fr",
            5,
            "Paris, Lyon, Toulouse, Marseille, Bordeaux, Lille, Strasbourg, Nantes, Grenoble",
        ),
        ("BE", "fr", "be", 2, "Brussels=Bruxelles, Liege=Liège, Namur, Mons, Louvain-la-Neuve"),
        ("LU", "fr", "lu", 1, "Luxembourg, Esch-sur-Alzette"),
        (
            "ES",
            "es",
            "es",
            5,
            "Madrid, Barcelona, Valencia, Seville=Sevilla, Granada, Salamanca, Bilbao, Zaragoza",
        ),
        ("PT", "pt", "pt", 2, "Lisbon=Lisboa, Porto, Coimbra, Braga, Aveiro"),
        (
            "IT",
            "it",
            "it",
            5,
            "Rome=Roma, Milan=Milano, Bologna, Turin=Torino, Naples=Napoli, Padua=Padova, "
            "Florence=Firenze, Pisa",
        ),
        (
            "RO",
            "ro",
            "ro",
            3,
            "Bucharest=București, Cluj-Napoca, Iasi=Iași, Timisoara=Timișoara, Craiova, "
            "Constanta=Constanța",
        ),
        ("MD", "ro", "md", 1, "Chisinau=Chișinău, Balti=Bălți, Cahul"),
        (
            "TR",
            "tr",
            "edu.tr",
            5,
            "Istanbul=İstanbul, Ankara, Izmir=İzmir, Bursa, Antalya, Trabzon, Erzurum, Konya",
        ),
        ("CY", "uk", "ac.cy", 1, "Nicosia, Limassol, Larnaca"),
        ("NL", "uk", "nl", 2, "Amsterdam, Utrecht, Leiden, Rotterdam, Groningen, Delft, Eindhoven"),
        ("GR", "uk", "gr", 2, "Athens, Thessaloniki, Patras, Heraklion, Ioannina"),
        ("BG", "uk", "bg", 2, "Sofia, Plovdiv, Varna, Burgas, Ruse"),
        ("CZ", "uk", "cz", 2, "Prague, Brno, Ostrava, Olomouc, Pilsen"),
        ("SK", "uk", "sk", 2, "Bratislava, Kosice, Zilina, Nitra"),
        ("HU", "uk", "hu", 2, "Budapest, Debrecen, Szeged, Pecs, Miskolc"),
        ("SI", "uk", "si", 1, "Ljubljana, Maribor, Koper"),
        ("HR", "uk", "hr", 1, "Zagreb, Split, Rijeka, Osijek"),
        ("RS", "uk", "ac.rs", 1, "Belgrade, Novi Sad, Nis, Kragujevac"),
        ("BA", "uk", "ba", 1, "Sarajevo, Banja Luka, Mostar, Tuzla"),
        ("ME", "uk", "me", 1, "Podgorica, Niksic"),
        ("MK", "uk", "edu.mk", 1, "Skopje, Bitola, Stip"),
        ("AL", "uk", "edu.al", 1, "Tirana, Durres, Shkoder"),
        ("LT", "uk", "lt", 1, "Vilnius, Kaunas, Klaipeda"),
        ("LV", "uk", "lv", 1, "Riga, Daugavpils, Jelgava"),
        ("EE", "uk", "ee", 1, "Tallinn, Tartu, Narva"),
        ("FI", "uk", "fi", 2, "Helsinki, Tampere, Turku, Oulu, Jyvaskyla"),
        ("SE", "uk", "se", 2, "Stockholm, Uppsala, Lund, Gothenburg, Umea"),
        ("NO", "uk", "no", 1, "Oslo, Bergen, Trondheim, Tromso"),
        ("DK", "uk", "dk", 1, "Copenhagen, Aarhus, Odense, Aalborg"),
        ("IS", "uk", "is", 1, "Reykjavik, Akureyri"),
        ("IE", "uk", "ie", 1, "Dublin, Cork, Galway, Limerick"),
        (
            "GB",
            "uk",
            "ac.uk",
            5,
            "London, Manchester, Edinburgh, Birmingham, Glasgow, Leeds, Bristol, Oxford, Cambridge",
        ),
        ("MT", "uk", "edu.mt", 1, "Valletta, Msida"),
        ("GE", "uk", "edu.ge", 2, "Tbilisi, Batumi, Kutaisi, Telavi"),
        ("AM", "uk", "am", 1, "Yerevan, Gyumri, Vanadzor"),
        ("KZ", "uk", "edu.kz", 3, "Almaty, Astana, Karaganda, Shymkent, Aktobe"),
        ("UZ", "uk", "uz", 2, "Tashkent, Samarkand, Bukhara, Namangan"),
        ("KG", "uk", "kg", 1, "Bishkek, Osh"),
        ("TJ", "uk", "tj", 1, "Dushanbe, Khujand"),
        ("TM", "uk", "tm", 1, "Ashgabat, Turkmenabat"),
        ("IL", "uk", "ac.il", 1, "Jerusalem, Tel Aviv, Haifa, Beersheba"),
        ("JO", "uk", "edu.jo", 1, "Amman, Irbid, Zarqa"),
        ("LB", "fr", "edu.lb", 1, "Beirut=Beyrouth, Tripoli, Sidon=Saïda"),
        ("SA", "uk", "edu.sa", 2, "Riyadh, Jeddah, Dammam, Medina"),
        ("AE", "uk", "ac.ae", 1, "Abu Dhabi, Dubai, Sharjah"),
        ("QA", "uk", "edu.qa", 1, "Doha"),
        ("IR", "uk", "ac.ir", 2, "Tehran, Isfahan, Shiraz, Tabriz, Mashhad"),
        ("IQ", "uk", "edu.iq", 1, "Baghdad, Basra, Erbil, Mosul"),
        ("EG", "uk", "edu.eg", 2, "Cairo, Alexandria, Giza, Mansoura, Assiut"),
        ("MA", "fr", "ac.ma", 1, "Rabat, Casablanca, Fez=Fès, Marrakesh=Marrakech"),
        ("TN", "fr", "tn", 1, "Tunis, Sfax, Sousse"),
        ("DZ", "fr", "dz", 1, "Algiers=Alger, Oran, Constantine"),
        ("SN", "fr", "sn", 1, "Dakar, Saint-Louis, Thies=Thiès"),
        ("CI", "fr", "ci", 1, "Abidjan, Yamoussoukro, Bouake=Bouaké"),
        ("CM", "fr", "cm", 1, "Yaounde=Yaoundé, Douala, Buea"),
        ("RW", "fr", "ac.rw", 1, "Kigali, Huye"),
        ("NG", "uk", "edu.ng", 2, "Lagos, Abuja, Ibadan, Kano, Enugu"),
        ("GH", "uk", "edu.gh", 1, "Accra, Kumasi, Cape Coast"),
        ("KE", "uk", "ac.ke", 1, "Nairobi, Mombasa, Eldoret"),
        ("ET", "uk", "edu.et", 1, "Addis Ababa, Gondar, Mekelle"),
        ("TZ", "uk", "ac.tz", 1, "Dar es Salaam, Dodoma, Arusha"),
        ("UG", "uk", "ac.ug", 1, "Kampala, Gulu, Mbarara"),
        ("ZA", "uk", "ac.za", 2, "Johannesburg, Cape Town, Pretoria, Durban, Stellenbosch"),
        ("AO", "pt", "ao", 1, "Luanda, Huambo, Benguela"),
        ("MZ", "pt", "ac.mz", 1, "Maputo, Beira, Nampula"),
        (
            "CN",
            "uk",
            "edu.cn",
            6,
            "Beijing, Shanghai, Wuhan, Guangzhou, Chengdu, Xian, Harbin, Nanjing, Hangzhou",
        ),
        ("JP", "uk", "ac.jp", 4, "Tokyo, Osaka, Kyoto, Nagoya, Sapporo, Sendai, Fukuoka"),
        ("KR", "uk", "ac.kr", 3, "Seoul, Busan, Daejeon, Incheon, Daegu"),
        (
            "IN",
            "uk",
            "ac.in",
            6,
            "New Delhi, Mumbai, Chennai, Bengaluru, Kolkata, Hyderabad, Pune",
        ),
        ("PK", "uk", "edu.pk", 2, "Islamabad, Lahore, Karachi, Peshawar"),
        ("BD", "uk", "ac.bd", 1, "Dhaka, Chittagong, Rajshahi"),
        ("LK", "uk", "ac.lk", 1, "Colombo, Kandy, Peradeniya"),
        ("NP", "uk", "edu.np", 1, "Kathmandu, Pokhara"),
        ("VN", "uk", "edu.vn", 2, "Hanoi, Ho Chi Minh City, Da Nang, Hue"),
        ("TH", "uk", "ac.th", 2, "Bangkok, Chiang Mai, Khon Kaen"),
        ("MY", "uk", "edu.my", 2, "Kuala Lumpur, Penang, Johor Bahru"),
        ("SG", "uk", "edu.sg", 1, "Singapore"),
        ("ID", "uk", "ac.id", 2, "Jakarta, Bandung, Yogyakarta, Surabaya"),
        ("PH", "uk", "edu.ph", 1, "Manila, Quezon City, Cebu"),
        ("MN", "uk", "edu.mn", 1, "Ulaanbaatar, Darkhan"),
        (
            "US",
            "uk",
            "edu",
            8,
            "Boston, New York, Chicago, Los Angeles, Austin, Seattle, Atlanta, Denver, Houston, "
            "Philadelphia",
        ),
        (
            "CA",
            "fr",
            "ca",
            3,
            "Toronto, Montreal=Montréal, Vancouver, Ottawa, Quebec City=Québec, Calgary",
        ),
        (
            "MX",
            "es",
            "edu.mx",
            3,
            "Mexico City=Ciudad de México, Guadalajara, Monterrey, Puebla",
        ),
        ("GT", "es", "edu.gt", 1, "Guatemala City=Ciudad de Guatemala, Quetzaltenango"),
        ("CU", "es", "cu", 1, "Havana=La Habana, Santiago de Cuba"),
        ("DO", "es", "edu.do", 1, "Santo Domingo, Santiago"),
        ("CR", "es", "ac.cr", 1, "San Jose=San José, Heredia"),
        ("PA", "es", "ac.pa", 1, "Panama City=Ciudad de Panamá, David"),
        ("CO", "es", "edu.co", 2, "Bogota=Bogotá, Medellin=Medellín, Cali, Barranquilla"),
        ("VE", "es", "edu.ve", 1, "Caracas, Maracaibo, Merida=Mérida"),
        ("EC", "es", "edu.ec", 1, "Quito, Guayaquil, Cuenca"),
        ("PE", "es", "edu.pe", 1, "Lima, Arequipa, Cusco"),
        ("BO", "es", "edu.bo", 1, "La Paz, Cochabamba, Santa Cruz"),
        ("CL", "es", "cl", 2, "Santiago, Valparaiso=Valparaíso, Concepcion=Concepción"),
        ("AR", "es", "edu.ar", 2, "Buenos Aires, Cordoba=Córdoba, Rosario, Mendoza"),
        ("UY", "es", "edu.uy", 1, "Montevideo, Salto"),
        ("PY", "es", "edu.py", 1, "Asuncion=Asunción, Encarnacion=Encarnación"),
        (
            "BR",
            "pt",
            "br",
            4,
            "Sao Paulo=São Paulo, Rio de Janeiro, Belo Horizonte, Porto Alegre, Recife, "
            "Curitiba, Brasilia=Brasília",
        ),
        ("AU", "uk", "edu.au", 3, "Sydney, Melbourne, Brisbane, Perth, Adelaide, Canberra"),
        ("NZ", "uk", "ac.nz", 1, "Auckland, Wellington, Christchurch, Dunedin"),
    )
]


def generated_institutions() -> InstitutionQuerySet:
    """Institutions made by the generators (real ones never carry their description)."""
    return Institution.objects.filter(description=GENERATED_DESCRIPTION)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _initials(name: str) -> str:
    words = name.replace("-", " ").split()
    return "".join(
        word[0].upper() for word in words if word not in ACRONYM_STOPWORDS and word[0].isalpha()
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def search_text(institution: Institution, names: list[InstitutionName], domains: list[str]) -> str:
    """What :meth:`Institution.rebuild_search_text` stores, from objects in hand (no queries).

    Names go in the model's ordering (kind, language, name) and domains sorted, as the
    method reads them; the tests check both agree.
    """
    ordered = sorted(names, key=lambda n: (n.kind, n.language, n.name))
    return institution.search_text_from([n.name for n in ordered], sorted(domains))


@dataclass(frozen=True)
class Reference:
    """The classifications generated offerings use, read once."""

    # Narrow field code -> its detailed fields fit for a programme (no "not further defined",
    # inter-disciplinary or "not elsewhere classified" fields).
    detailed: dict[str, list[Field]]
    narrow: dict[str, Field]
    # Detailed field code -> Ukrainian specialties mapped to it.
    specialties: dict[str, list[Specialty]]

    @classmethod
    def load(cls) -> Reference:
        detailed: dict[str, list[Field]] = defaultdict(list)
        narrow: dict[str, Field] = {}
        fields = Field.objects.filter(level=FieldLevel.DETAILED).select_related("parent")
        for field in fields.order_by("code"):
            if field.code[:2] in {"00", "99"} or field.code[-1] in "089" or not field.parent:
                continue
            detailed[field.parent.code].append(field)
            narrow[field.parent.code] = field.parent
        specialties: dict[str, list[Specialty]] = defaultdict(list)
        for specialty in Specialty.objects.prefetch_related("fields").order_by("scheme", "code"):
            for field in specialty.fields.all():
                specialties[field.code].append(specialty)
        return cls(dict(detailed), narrow, dict(specialties))


@dataclass
class _Draft:
    """One institution and its rows, linked in memory, saved in dependency order."""

    institution: Institution
    names: list[InstitutionName]
    domains: list[InstitutionDomain]
    roots: list[Unit]
    children: list[Unit]
    offerings: list[Offering]


# A unit and the detailed field (ISCED-F) it teaches.
Teaching = tuple[Unit, Field]


class _RegistryGenerator:
    """Draws institutions one after another, keeping names, domains and Erasmus codes unique."""

    def __init__(self, rng: random.Random, units_per_institution: int) -> None:
        self.rng = rng
        self.units_per_institution = units_per_institution
        self.reference = Reference.load()
        self.taken_names = set(Institution.objects.values_list("name", flat=True))
        self.taken_domains = set(InstitutionDomain.objects.values_list("domain", flat=True))
        self.erasmus_numbers: Counter[str] = Counter()
        self.country_weights = list(accumulate(country.weight for country in COUNTRIES))

    def draft(self) -> _Draft:
        """The next institution with its names, domains, units and offerings (unsaved)."""
        rng = self.rng
        country = rng.choices(COUNTRIES, cum_weights=self.country_weights)[0]
        kind = _weighted(rng, KINDS)
        english, local, city, focus = self._names(country, kind)
        acronym = _initials(english)
        institution = Institution(
            name=english,
            country=country.code,
            city=city.name,
            kind=kind,
            partner_status=self._partner_status(),
            founded_year=int(rng.triangular(1450, 2020, 1965)),
            description=GENERATED_DESCRIPTION,
        )
        label = _slug(acronym) or "inst"
        domains = [self._domain(label, country, city)]
        if rng.random() < 0.15:
            domains.append(self._domain(f"{label}.{_slug(city.name)}", country, city))
        names = [
            InstitutionName(institution=institution, language=country.language, name=local),
            InstitutionName(
                institution=institution, language="en", kind=NameKind.ACRONYM, name=acronym
            ),
        ]
        local_acronym = _initials(local)
        if local_acronym not in {acronym, ""} and rng.random() < 0.5:
            names.append(
                InstitutionName(
                    institution=institution,
                    language=country.language,
                    kind=NameKind.ACRONYM,
                    name=local_acronym,
                )
            )
        # Hospitals are not named after a focus, but their units are medical.
        area = "medical" if kind == InstitutionKind.HEALTHCARE else focus
        roots, children, teaching = self._units(
            institution, area, uk_names=country.language == "uk"
        )
        offerings = self._offerings(institution, teaching, country)
        if kind == InstitutionKind.UNIVERSITY:
            self._university_profile(institution, country, city, roots, children, offerings)
            institution.ewp_hei_id = domains[0]
        elif kind == InstitutionKind.RESEARCH:
            institution.laboratory_count = len(children)
        institution.search_text = search_text(institution, names, domains)
        return _Draft(
            institution,
            names,
            [InstitutionDomain(institution=institution, domain=domain) for domain in domains],
            roots,
            children,
            offerings,
        )

    def _names(self, country: Country, kind: InstitutionKind) -> tuple[str, str, City, str]:
        """English and second-language names, unique in English (numbered when all else fails)."""
        for _ in range(5):
            city = self.rng.choice(country.cities)
            noun = _weighted(self.rng, KIND_NOUNS[kind])
            status = _weighted(self.rng, STATUSES)
            focus = _weighted(self.rng, FOCUSES) if kind in FOCUSED_KINDS else ""
            english = LANGUAGES["en"].name(noun, status, focus, city.name)
            if english not in self.taken_names:
                break
        local = LANGUAGES[country.language].name(noun, status, focus, city.local)
        if english in self.taken_names:
            number = next(n for n in count(2) if f"{english} No. {n}" not in self.taken_names)
            english, local = f"{english} No. {number}", f"{local} № {number}"
        self.taken_names.add(english)
        return english, local, city, focus

    def _partner_status(self) -> PartnerStatus:
        draw = self.rng.random()
        return next(
            (status for share, status in PARTNER_SHARES if draw < share), PartnerStatus.NONE
        )

    def _domain(self, label: str, country: Country, city: City) -> str:
        """``label.suffix``, else with the city, else numbered: the first one not taken."""
        numbered = (f"{label}{n}" for n in count(2))
        candidates = chain([label, f"{label}-{_slug(city.name)}"], numbered)
        domain = next(
            d for d in (f"{c}.{country.domain}" for c in candidates) if d not in self.taken_domains
        )
        self.taken_domains.add(domain)
        return domain

    def _units(
        self, institution: Institution, focus: str, *, uk_names: bool
    ) -> tuple[list[Unit], list[Unit], list[Teaching]]:
        """Top-level units named after narrow fields, units under them after detailed ones.

        Returns the top-level units, the units under them, and what the units with nothing
        under them teach (a distinct detailed field each).
        """
        total = self.units_per_institution
        if not total:
            return [], [], []
        rng, reference = self.rng, self.reference
        root_labels, child_labels = UNIT_LABELS.get(
            InstitutionKind(institution.kind), OTHER_UNIT_LABELS
        )
        preferred = [
            code for code in reference.detailed if code.startswith(FOCUS_FIELDS.get(focus, ()))
        ]
        root_count = max(1, total // 4)
        narrow_codes = rng.sample(
            preferred if len(preferred) >= root_count else list(reference.detailed), root_count
        )

        def unit(labels: tuple[str, str, str], subject: Field, parent: Unit | None) -> Unit:
            kind, english, ukrainian = labels
            return Unit(
                institution=institution,
                parent=parent,
                kind=kind,
                name=f"{english} {subject.name_en}",
                names={"uk": f"{ukrainian} «{subject.name_uk}»"} if uk_names else {},
            )

        roots = [unit(root_labels, reference.narrow[code], None) for code in narrow_codes]
        if total == root_count:
            teaching = [
                (root, reference.detailed[code][0])
                for root, code in zip(roots, narrow_codes, strict=True)
            ]
            return roots, [], teaching
        used: set[str] = set()
        teaching = []
        for index in range(total - root_count):
            code = narrow_codes[index % root_count]
            pool = [f for f in reference.detailed[code] if f.code not in used] or [
                f for fields in reference.detailed.values() for f in fields if f.code not in used
            ]
            subject = rng.choice(pool)
            used.add(subject.code)
            teaching.append((unit(child_labels, subject, roots[index % root_count]), subject))
        return roots, [child for child, _ in teaching], teaching

    def _offerings(
        self, institution: Institution, teaching: list[Teaching], country: Country
    ) -> list[Offering]:
        """Universities offer each taught field at one to three levels (Ukrainian ones a specialty)."""
        if institution.kind != InstitutionKind.UNIVERSITY:
            return []
        offerings = []
        for unit, field in teaching:
            specialties = self.reference.specialties.get(field.code, [])
            specialty = (
                self.rng.choice(specialties) if country.code == "UA" and specialties else None
            )
            levels = [
                level for level, chance in LEVEL_CHANCES.items() if self.rng.random() < chance
            ] or [StudyLevel.BACHELOR]
            offerings += [
                Offering(
                    institution=institution,
                    unit=unit,
                    field=field,
                    specialty=specialty,
                    level=level,
                    title=specialty.name_en if specialty else "",
                )
                for level in levels
            ]
        return offerings

    def _university_profile(
        self,
        institution: Institution,
        country: Country,
        city: City,
        roots: list[Unit],
        children: list[Unit],
        offerings: list[Offering],
    ) -> None:
        students = min(80_000, max(300, int(self.rng.lognormvariate(9, 0.8))))
        institution.student_count = students
        institution.international_student_count = int(students * self.rng.uniform(0.005, 0.12))
        institution.faculty_count = len(roots)
        institution.department_count = len(children)
        institution.specialty_count = len({offering.field_id for offering in offerings})
        if country.code in ERASMUS_COUNTRIES:
            place = (_slug(city.local) or _slug(city.name)).upper()[:7]
            self.erasmus_numbers[place] += 1
            prefix = ERASMUS_PREFIXES.get(country.code, country.code)
            institution.erasmus_code = f"{prefix:<3}{place}{self.erasmus_numbers[place]:02d}"


def _bulk(model: type[M], objects: list[M], counts: Counter[str]) -> None:
    model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
    counts[str(model._meta.verbose_name_plural)] += len(objects)


def generate_registry(
    institutions: int, *, units_per_institution: int = 4, seed: int = 1
) -> Counter[str]:
    """Create ``institutions`` institutions with their names, domains, units and offerings.

    Returns the number of rows created per model (by verbose plural name). Adding to earlier
    generated data continues the sequence: the random stream depends on the seed and on how
    many generated institutions exist, and names and domains stay unique.
    """
    if not 0 <= units_per_institution <= MAX_UNITS_PER_INSTITUTION:
        raise ValueError(f"Units per institution must be 0 to {MAX_UNITS_PER_INSTITUTION}.")
    counts: Counter[str] = Counter()
    with transaction.atomic():
        rng = random.Random(f"{seed}:{generated_institutions().count()}")
        generator = _RegistryGenerator(rng, units_per_institution)
        for start in range(0, institutions, BATCH_SIZE):
            drafts = [generator.draft() for _ in range(min(BATCH_SIZE, institutions - start))]
            # Parents before the rows that point to them, so their ids are known.
            _bulk(Institution, [d.institution for d in drafts], counts)
            _bulk(InstitutionName, [n for d in drafts for n in d.names], counts)
            _bulk(InstitutionDomain, [x for d in drafts for x in d.domains], counts)
            _bulk(Unit, [u for d in drafts for u in d.roots], counts)
            _bulk(Unit, [u for d in drafts for u in d.children], counts)
            _bulk(Offering, [o for d in drafts for o in d.offerings], counts)
    return counts


# Agreements ------------------------------------------------------------------------------------

GENERATED_AGREEMENT_TEXT = "Synthetic agreement made by `accord generate` for benchmarks."
GENERATED_DIRECTION_TEXT = "Synthetic direction made by `accord generate` for benchmarks."
GENERATED_HOME_NAMES = {"en": "Generated Home University", "uk": "Згенерований університет"}
# Statuses are the ones the agreements would have on this day, whatever day the generator runs
# on, so that a seed always gives the same data. Agreements start from FIRST_DAY to a year after
# AS_OF, more of them in recent years (cooperation grows), and end by 2032.
AS_OF = datetime.date(2026, 9, 1)
FIRST_DAY = datetime.date(2015, 1, 1)
LAST_START = AS_OF + datetime.timedelta(days=365)
RECENT_MODE = 0.85
# What one draw adds: an umbrella agreement (memorandum or framework) with its renewals and the
# protocols made under each version, or one agreement of another kind.
UMBRELLA = "umbrella"
DRAWS: dict[str, int] = {
    UMBRELLA: 60,
    AgreementKind.ERASMUS_IIA: 28,
    AgreementKind.JOINT_PROGRAMME: 4,
}
UMBRELLA_KINDS = {AgreementKind.MEMORANDUM: 8, AgreementKind.FRAMEWORK: 2}
MULTILATERAL_KINDS = {AgreementKind.MEMORANDUM: 3, AgreementKind.FRAMEWORK: 7}
MULTILATERAL_SHARE = 0.04
# Partners besides the home university in a multilateral agreement.
MULTILATERAL_PARTNERS = {2: 3, 3: 2, 4: 1}
# Years an umbrella agreement runs, and the chance that a new version renews it when it ends.
TERMS = {5: 2, 3: 1}
RENEWAL_CHANCE = 0.6
# Umbrella agreements that say they renew themselves (a flag only: renewals are new versions).
AUTOMATIC_RENEWAL_SHARE = 0.1
PROTOCOLS_PER_VERSION = {0: 25, 1: 35, 2: 25, 3: 15}
# Academic years a protocol, an Erasmus+ agreement and a joint programme cover.
PROTOCOL_YEARS = {1: 45, 2: 35, 3: 20}
IIA_YEARS = {2: 1, 3: 2, 5: 1}
JOINT_PROGRAMME_YEARS = 4
DIRECTIONS_PER_AGREEMENT = {1: 40, 2: 40, 3: 20}
SECOND_FIELD_SHARE = 0.2
MOBILITY_TYPES = {
    MobilityType.STUDENT_STUDIES: 50,
    MobilityType.TEACHING_STAFF: 25,
    MobilityType.STUDENT_TRAINEESHIP: 10,
    MobilityType.TRAINING_STAFF: 10,
    MobilityType.PHD_RESEARCH: 5,
}
MOBILITY_TYPES_PER_DIRECTION = {1: 1, 2: 1}
BOTH_FLOWS_SHARE = 0.8
# Places per quota, and months a person of each type stays (staff quotas count people only).
PEOPLE = {
    MobilityType.STUDENT_STUDIES: (1, 5),
    MobilityType.STUDENT_TRAINEESHIP: (1, 3),
    MobilityType.TEACHING_STAFF: (1, 3),
    MobilityType.TRAINING_STAFF: (1, 2),
    MobilityType.PHD_RESEARCH: (1, 2),
}
MONTHS_PER_PERSON = {
    MobilityType.STUDENT_STUDIES: 5,
    MobilityType.STUDENT_TRAINEESHIP: 3,
    MobilityType.PHD_RESEARCH: 6,
}
# Agreements not yet in effect: signed (half of those starting within SIGNED_AHEAD), else still
# being prepared.
SIGNED_AHEAD = datetime.timedelta(days=120)
UNSIGNED = {
    AgreementStatus.DRAFT: 3,
    AgreementStatus.NEGOTIATION: 4,
    AgreementStatus.INTERNAL_APPROVAL: 2,
}
# Umbrella agreements that were in effect, and so may have protocols and renewals.
IN_EFFECT_STATUSES = frozenset(
    {AgreementStatus.ACTIVE, AgreementStatus.EXPIRED, AgreementStatus.TERMINATED}
)
TERMINATED_SHARE = 0.04
# Agreements in preparation with no dates decided yet.
UNDATED_SHARE = 0.3
# Partners are drawn by kind and by a random rank: a few have many agreements, most a few.
PARTNER_KIND_WEIGHTS: dict[str, int] = {
    InstitutionKind.UNIVERSITY: 10,
    InstitutionKind.RESEARCH: 3,
}
RANK_OFFSET = 50
# (English, Ukrainian) title of each kind; protocols are numbered under their umbrella.
KIND_TITLES = {
    AgreementKind.MEMORANDUM: ("Memorandum of understanding", "Меморандум про взаєморозуміння"),
    AgreementKind.FRAMEWORK: ("Agreement on cooperation", "Угода про співробітництво"),
    AgreementKind.PROTOCOL: (
        "Protocol No. {number} on academic mobility",
        "Протокол № {number} про академічну мобільність",
    ),
    AgreementKind.ERASMUS_IIA: (
        "Erasmus+ inter-institutional agreement",
        "Міжінституційна угода Erasmus+",
    ),
    AgreementKind.JOINT_PROGRAMME: (
        "Agreement on a joint degree programme",
        "Угода про спільну освітню програму",
    ),
}
MOBILITY_AREAS = [CooperationArea.STUDENT_EXCHANGE, CooperationArea.STAFF_EXCHANGE]


@dataclass(frozen=True)
class _Partner:
    id: int
    name: str
    name_uk: str
    # Detailed fields (ISCED-F) the institution offers, for its directions.
    fields: tuple[Field, ...]


@dataclass
class _AgreementDraft:
    """One agreement with its parties, directions and quotas, linked in memory."""

    agreement: Agreement
    parties: list[int]
    # Agreements with no parent or previous version are 0, the others one more than those:
    # each depth is saved before the next, so the ids they point to are known.
    depth: int
    directions: list[tuple[Direction, list[str]]]
    quotas: list[Quota]


@dataclass(frozen=True)
class _Window:
    start: datetime.date | None
    end: datetime.date | None
    status: AgreementStatus
    signed_on: datetime.date | None


def generated_agreements() -> models.QuerySet[Agreement]:
    """Agreements made by :func:`generate_agreements` (real ones never carry their text)."""
    return Agreement.objects.filter(text=GENERATED_AGREEMENT_TEXT)


def academic_year(day: datetime.date) -> int:
    """The year the academic year holding ``day`` starts in (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _AgreementGenerator:
    """Draws agreements between the home university and generated institutions."""

    def __init__(self, rng: random.Random, home: Institution) -> None:
        self.rng = rng
        self.home = home
        self.home_uk = (
            home.names.filter(kind=NameKind.OFFICIAL, language="uk")
            .values_list("name", flat=True)
            .first()
            or home.name
        )
        reference = Reference.load()
        self.all_fields = [field for fields in reference.detailed.values() for field in fields]
        by_code = {field.code: field for field in self.all_fields}
        pool = generated_institutions().exclude(partner_status=PartnerStatus.HOME)
        rows = list(pool.order_by("id").values_list("id", "name", "country", "kind"))
        if not rows:
            raise ValueError("There are no generated institutions to make agreements with.")
        uk_names = dict(
            InstitutionName.objects.filter(
                institution__in=pool, kind=NameKind.OFFICIAL, language="uk"
            ).values_list("institution_id", "name")
        )
        offered: dict[int, set[str]] = defaultdict(set)
        for institution_id, code in Offering.objects.filter(institution__in=pool).values_list(
            "institution_id", "field_id"
        ):
            offered[institution_id].add(code)
        ranks = list(range(len(rows)))
        rng.shuffle(ranks)
        partners, weights, erasmus, erasmus_weights = [], [], [], []
        for (pk, name, country, kind), rank in zip(rows, ranks, strict=True):
            partner = _Partner(
                pk,
                name,
                uk_names.get(pk, name),
                tuple(by_code[code] for code in sorted(offered[pk]) if code in by_code),
            )
            weight = PARTNER_KIND_WEIGHTS.get(kind, 1) / (rank + RANK_OFFSET)
            partners.append(partner)
            weights.append(weight)
            if country in ERASMUS_COUNTRIES:
                erasmus.append(partner)
                erasmus_weights.append(weight)
        self.partners, self.cum_weights = partners, list(accumulate(weights))
        # Erasmus+ agreements are made with institutions in programme countries, if any.
        self.erasmus, self.erasmus_weights = (
            (erasmus, list(accumulate(erasmus_weights)))
            if erasmus
            else (partners, self.cum_weights)
        )

    def draw(self) -> list[_AgreementDraft]:
        """The agreements of one draw, each after the agreements it points to."""
        what = _weighted(self.rng, DRAWS)
        if what == UMBRELLA:
            return self._umbrella()
        if what == AgreementKind.ERASMUS_IIA:
            return [self._iia()]
        return [self._joint_programme()]

    # Partners, dates and statuses.

    def _partner(self, erasmus: bool = False) -> _Partner:
        if erasmus:
            return self.rng.choices(self.erasmus, cum_weights=self.erasmus_weights)[0]
        return self.rng.choices(self.partners, cum_weights=self.cum_weights)[0]

    def _partners(self, number: int) -> list[_Partner]:
        chosen: dict[int, _Partner] = {}
        while len(chosen) < min(number, len(self.partners)):
            partner = self._partner()
            chosen.setdefault(partner.id, partner)
        return list(chosen.values())

    def _start(self) -> datetime.date:
        """A day from FIRST_DAY to LAST_START, recent days likelier (a triangular draw)."""
        span = (LAST_START - FIRST_DAY).days
        return FIRST_DAY + datetime.timedelta(
            days=int(self.rng.triangular(0, span, span * RECENT_MODE))
        )

    def _start_year(self) -> int:
        """The academic year an agreement starts in: the one a :meth:`_start` day falls in, or
        the next one for a day after AS_OF."""
        start = self._start()
        if start > AS_OF:
            return academic_year(AS_OF) + 1
        return max(FIRST_DAY.year, academic_year(start))

    def _window(
        self,
        start: datetime.date,
        end: datetime.date,
        signed_after: datetime.date | None = None,
        ended_early: bool | None = None,
    ) -> _Window:
        """Status and signing date of an agreement running from ``start`` to ``end`` on AS_OF.

        ``ended_early`` says whether it was terminated (drawn when None).
        """
        rng = self.rng
        if start > AS_OF:
            if start - AS_OF <= SIGNED_AHEAD and rng.random() < 0.5:
                status = AgreementStatus.SIGNED
            else:
                status = _weighted(rng, UNSIGNED)
                if rng.random() < UNDATED_SHARE:
                    return _Window(None, None, status, None)
                return _Window(start, end, status, None)
        else:
            if ended_early is None:
                ended_early = rng.random() < TERMINATED_SHARE
            if ended_early:
                status = AgreementStatus.TERMINATED
            else:
                status = AgreementStatus.EXPIRED if end < AS_OF else AgreementStatus.ACTIVE
        signed_on = min(start, AS_OF) - datetime.timedelta(days=rng.randint(0, 60))
        if signed_after is not None:
            signed_on = max(signed_on, signed_after)
        return _Window(start, end, status, signed_on)

    # Agreements.

    def _draft(
        self,
        kind: AgreementKind,
        parties: list[_Partner],
        window: _Window,
        areas: list[CooperationArea],
        *,
        number: int = 0,
        parent: _AgreementDraft | None = None,
        previous: _AgreementDraft | None = None,
    ) -> _AgreementDraft:
        english, ukrainian = (label.format(number=number) for label in KIND_TITLES[kind])
        if len(parties) == 1:
            english += f" between {self.home.name} and {parties[0].name}"
            ukrainian += f" між {self.home_uk} та {parties[0].name_uk}"
        else:
            english += f" between {self.home.name} and {len(parties)} partners"
            ukrainian += f" між {self.home_uk} та {len(parties)} партнерами"
        if previous is not None:
            title, titles = previous.agreement.title, previous.agreement.titles
        else:
            title, titles = english[:300], {"uk": ukrainian[:300]}
        agreement = Agreement(
            kind=kind,
            title=title,
            titles=titles,
            status=window.status,
            parent=parent.agreement if parent else None,
            areas=[str(area) for area in areas],
            text=GENERATED_AGREEMENT_TEXT,
            signed_on=window.signed_on,
            valid_from=window.start,
            valid_until=window.end,
            automatic_renewal=(
                kind in UMBRELLA_KINDS and self.rng.random() < AUTOMATIC_RENEWAL_SHARE
            ),
            previous=previous.agreement if previous else None,
            version_number=previous.agreement.version_number + 1 if previous else 1,
            version_reason=VersionReason.RENEWAL if previous else VersionReason.ORIGINAL,
        )
        depth = max((-1, *(d.depth for d in (parent, previous) if d is not None))) + 1
        return _AgreementDraft(agreement, [self.home.pk, *(p.id for p in parties)], depth, [], [])

    def _umbrella(self) -> list[_AgreementDraft]:
        """A memorandum or framework agreement, its renewals and the protocols under each."""
        rng = self.rng
        multilateral = rng.random() < MULTILATERAL_SHARE
        if multilateral:
            kind = _weighted(rng, MULTILATERAL_KINDS)
            parties = self._partners(_weighted(rng, MULTILATERAL_PARTNERS))
        else:
            kind = _weighted(rng, UMBRELLA_KINDS)
            parties = [self._partner()]
        term = _weighted(rng, TERMS)
        areas = sorted(
            rng.sample(list(CooperationArea), rng.randint(2, len(CooperationArea))),
            key=list(CooperationArea).index,
        )
        start = self._start()
        drafts: list[_AgreementDraft] = []
        previous = None
        while True:
            end = _years_later(start, term) - datetime.timedelta(days=1)
            window = self._window(start, end)
            version = self._draft(kind, parties, window, areas, previous=previous)
            drafts.append(version)
            if window.status in IN_EFFECT_STATUSES:
                drafts += self._protocols(version, parties, start, end, window)
            renewable = window.status in {AgreementStatus.ACTIVE, AgreementStatus.EXPIRED}
            if not (renewable and end < AS_OF + SIGNED_AHEAD and rng.random() < RENEWAL_CHANCE):
                return drafts
            start, previous = end + datetime.timedelta(days=1), version

    def _protocols(
        self,
        umbrella: _AgreementDraft,
        parties: list[_Partner],
        term_start: datetime.date,
        term_end: datetime.date,
        window: _Window,
    ) -> list[_AgreementDraft]:
        """Protocols under one version of an umbrella agreement, each with one partner of it,
        over academic years inside its term and at most a year after AS_OF."""
        first, last = academic_year(term_start), academic_year(term_end)
        # None is planned under an umbrella that has been terminated.
        planned = 0 if window.status == AgreementStatus.TERMINATED else 1
        latest_start = min(last, academic_year(AS_OF) + planned)
        protocols: list[_AgreementDraft] = []
        if first > latest_start:
            return protocols
        for number in range(1, _weighted(self.rng, PROTOCOLS_PER_VERSION) + 1):
            partner = self.rng.choice(parties)
            year = self.rng.randint(first, latest_start)
            years = list(range(year, min(year + _weighted(self.rng, PROTOCOL_YEARS), last + 1)))
            start = max(term_start, datetime.date(year, 9, 1))
            end = min(term_end, datetime.date(years[-1] + 1, 8, 31))
            terminated = window.status == AgreementStatus.TERMINATED and end >= AS_OF
            own = self._window(start, end, window.signed_on, terminated or None)
            protocol = self._draft(
                AgreementKind.PROTOCOL,
                [partner],
                own,
                MOBILITY_AREAS,
                number=number,
                parent=umbrella,
            )
            self._directions(protocol, partner, years, quotas=True)
            protocols.append(protocol)
        return protocols

    def _iia(self) -> _AgreementDraft:
        partner = self._partner(erasmus=True)
        year = self._start_year()
        years = list(range(year, year + _weighted(self.rng, IIA_YEARS)))
        window = self._window(datetime.date(year, 9, 1), datetime.date(years[-1] + 1, 8, 31))
        draft = self._draft(AgreementKind.ERASMUS_IIA, [partner], window, MOBILITY_AREAS)
        self._directions(draft, partner, years, quotas=True)
        return draft

    def _joint_programme(self) -> _AgreementDraft:
        partner = self._partner()
        year = self._start_year()
        end = datetime.date(year + JOINT_PROGRAMME_YEARS, 8, 31)
        window = self._window(datetime.date(year, 9, 1), end)
        areas = [CooperationArea.JOINT_PROGRAMMES]
        draft = self._draft(AgreementKind.JOINT_PROGRAMME, [partner], window, areas)
        self._directions(draft, partner, [], quotas=False)
        return draft

    def _directions(
        self, draft: _AgreementDraft, partner: _Partner, years: list[int], *, quotas: bool
    ) -> None:
        """One to three directions in fields the partner offers, and their quotas: one per
        mobility type (one or two), flow (mostly both) and academic year."""
        rng = self.rng
        number = _weighted(rng, DIRECTIONS_PER_AGREEMENT) if quotas else 1
        pool = partner.fields if len(partner.fields) >= number else self.all_fields
        for field in rng.sample(pool, number):
            codes = [field.code]
            other = rng.choice(pool)
            if rng.random() < SECOND_FIELD_SHARE and other.code != field.code:
                codes.append(other.code)
            direction = Direction(
                name=field.name_en,
                names={"uk": field.name_uk},
                description=GENERATED_DIRECTION_TEXT,
            )
            draft.directions.append((direction, codes))
            if not quotas:
                continue
            types = dict(MOBILITY_TYPES)
            chosen = []
            for _ in range(_weighted(rng, MOBILITY_TYPES_PER_DIRECTION)):
                chosen.append(_weighted(rng, types))
                del types[chosen[-1]]
            flows = list(Flow) if rng.random() < BOTH_FLOWS_SHARE else [rng.choice(list(Flow))]
            for mobility_type in chosen:
                for flow in flows:
                    for year in years:
                        people = rng.randint(*PEOPLE[mobility_type])
                        months = MONTHS_PER_PERSON.get(mobility_type)
                        draft.quotas.append(
                            Quota(
                                agreement=draft.agreement,
                                direction=direction,
                                mobility_type=mobility_type,
                                flow=flow,
                                academic_year=f"{year}/{year + 1}",
                                people=people,
                                months=people * months if months else None,
                            )
                        )


def _home(counts: Counter[str]) -> Institution:
    """The home university; a generated one if the database has none."""
    home = Institution.objects.home().first()
    if home is None:
        home = Institution(
            name=GENERATED_HOME_NAMES["en"],
            country="UA",
            city="Kharkiv",
            kind=InstitutionKind.UNIVERSITY,
            partner_status=PartnerStatus.HOME,
            description=GENERATED_DESCRIPTION,
        )
        name = InstitutionName(institution=home, language="uk", name=GENERATED_HOME_NAMES["uk"])
        home.search_text = search_text(home, [name], [])
        home.save()
        name.save()
        counts[str(Institution._meta.verbose_name_plural)] += 1
        counts[str(InstitutionName._meta.verbose_name_plural)] += 1
    return home


def _save_agreements(drafts: list[_AgreementDraft], counts: Counter[str]) -> None:
    by_depth: dict[int, list[Agreement]] = defaultdict(list)
    for draft in drafts:
        by_depth[draft.depth].append(draft.agreement)
    for depth in sorted(by_depth):
        _bulk(Agreement, by_depth[depth], counts)
    _bulk(
        AgreementParty,
        [
            AgreementParty(agreement=d.agreement, institution_id=i)
            for d in drafts
            for i in d.parties
        ],
        counts,
    )
    directions = [
        (d.agreement, direction, codes) for d in drafts for direction, codes in d.directions
    ]
    _bulk(Direction, [direction for _, direction, _ in directions], counts)
    field_links = Direction.fields.through
    _bulk(
        field_links,
        [
            field_links(direction_id=direction.pk, field_id=code)
            for _, direction, codes in directions
            for code in codes
        ],
        counts,
    )
    agreement_links = Agreement.directions.through
    _bulk(
        agreement_links,
        [
            agreement_links(agreement_id=agreement.pk, direction_id=direction.pk)
            for agreement, direction, _ in directions
        ],
        counts,
    )
    _bulk(Quota, [quota for draft in drafts for quota in draft.quotas], counts)


def generate_agreements(agreements: int, *, seed: int = 1) -> Counter[str]:
    """Create ``agreements`` agreements between the home university and generated institutions,
    with their parties, directions and quotas.

    Uses the home university, or creates a generated one. Returns the number of rows created
    per model (by verbose plural name). Like :func:`generate_registry`, adding to earlier
    generated agreements continues the sequence.
    """
    if agreements < 0:
        raise ValueError("The number of agreements cannot be negative.")
    counts: Counter[str] = Counter()
    with transaction.atomic():
        rng = random.Random(f"{seed}:agreements:{generated_agreements().count()}")
        generator = _AgreementGenerator(rng, _home(counts))
        made = 0
        while made < agreements:
            drafts: list[_AgreementDraft] = []
            while len(drafts) < BATCH_SIZE and made + len(drafts) < agreements:
                drafts += generator.draw()
            # Each draw lists an agreement after those it points to, so cutting keeps them.
            drafts = drafts[: agreements - made]
            _save_agreements(drafts, counts)
            made += len(drafts)
    return counts
