"""The partner registry: institutions, their units, contacts and offered specialties,
and the reference classifications (ISCED-F 2013 fields, national specialty lists)."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

import babel
import pycountry
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Letters that Unicode does not decompose into a base letter and an accent.
_BASE_LETTERS = str.maketrans({"ı": "i", "ə": "e", "ł": "l", "ø": "o", "đ": "d", "ħ": "h"})


def normalise_name(text: str) -> str:
    """Lower-case, accents and punctuation removed, spaces collapsed: for matching and search.

    "Bakı Dövlət Universiteti" and "baki dovlet universiteti" normalise alike.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_BASE_LETTERS))
    kept = [
        char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
    ]
    return " ".join("".join(kept).split())


# Kosovo: not in ISO 3166-1, but the code the EU, ROR and the world university list use.
EXTRA_COUNTRIES = {"XK": "Kosovo"}


def is_country_code(code: str) -> bool:
    """Two capital letters naming a country (ISO 3166-1 alpha-2, or Kosovo's XK)."""
    if code in EXTRA_COUNTRIES:
        return True
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def validate_country(code: str) -> None:
    if not is_country_code(code):
        raise ValidationError(_("%(code)s is not an ISO 3166 country code."), params={"code": code})


@functools.cache
def _territories(language: str) -> dict[str, str]:
    try:
        return dict(babel.Locale.parse(language).territories)
    except (ValueError, babel.UnknownLocaleError):
        return {}


def country_name(code: str) -> str:
    """The country's name in the active language (English when unknown there)."""
    language = (get_language() or "en").split("-")[0]
    localised_name = _territories(language).get(code)
    if localised_name:
        return localised_name
    if code in EXTRA_COUNTRIES:
        return EXTRA_COUNTRIES[code]
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else code


def localised(names: dict[str, str], fallback: str) -> str:
    """The name in the active language, else English, else the fallback."""
    language = (get_language() or "en").split("-")[0]
    return names.get(language) or names.get("en") or fallback


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    RESEARCH = "research", _("Research institute")
    COMPANY = "company", _("Company")
    GOVERNMENT = "government", _("Government body")
    HEALTHCARE = "healthcare", _("Healthcare")
    NONPROFIT = "nonprofit", _("Non-profit organisation")
    OTHER = "other", _("Other")


class PartnerStatus(models.TextChoices):
    HOME = "home", _("Home university")
    PARTNER = "partner", _("Partner")
    PROSPECT = "prospect", _("Prospective partner")
    FORMER = "former", _("Former partner")
    NONE = "none", _("Not a partner")


class InstitutionQuerySet(models.QuerySet["Institution"]):
    def search(self, query: str) -> InstitutionQuerySet:
        """Institutions whose name in any language, acronym or domain contains the query.

        Matches come in case-insensitive name order: sorting the few matches is cheaper than
        walking the whole name index to find them (3x on SQLite at 10,000 institutions).
        """
        needle = normalise_name(query)
        if not needle:
            return self
        return self.filter(search_text__contains=needle).order_by(Lower("name"), "id")

    def partners(self) -> InstitutionQuerySet:
        return self.filter(partner_status=PartnerStatus.PARTNER)

    def home(self) -> InstitutionQuerySet:
        """The home university (one at most)."""
        return self.filter(partner_status=PartnerStatus.HOME)


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=300, help_text=_("Name in English."))
    country = models.CharField(
        _("country"),
        max_length=2,
        db_index=True,
        validators=[validate_country],
        help_text=_("Two-letter ISO code, e.g. UA."),
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    kind = models.CharField(
        _("type"),
        max_length=20,
        choices=InstitutionKind.choices,
        default=InstitutionKind.UNIVERSITY,
    )
    partner_status = models.CharField(
        _("partner status"),
        max_length=20,
        choices=PartnerStatus.choices,
        default=PartnerStatus.NONE,
        db_index=True,
    )
    founded_year = models.PositiveSmallIntegerField(
        _("founding year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(800), MaxValueValidator(2100)],
    )
    student_count = models.PositiveIntegerField(_("students"), null=True, blank=True)
    international_student_count = models.PositiveIntegerField(
        _("international students"), null=True, blank=True
    )
    faculty_count = models.PositiveSmallIntegerField(_("faculties"), null=True, blank=True)
    department_count = models.PositiveSmallIntegerField(_("departments"), null=True, blank=True)
    laboratory_count = models.PositiveSmallIntegerField(
        _("research laboratories"), null=True, blank=True
    )
    centre_count = models.PositiveSmallIntegerField(_("centres"), null=True, blank=True)
    specialty_count = models.PositiveSmallIntegerField(_("specialties"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    ror_id = models.CharField(
        _("ROR id"),
        max_length=9,
        blank=True,
        db_index=True,
        validators=[RegexValidator(r"^0[a-z0-9]{6}[0-9]{2}$", _("A ROR id looks like 00yp5c433."))],
    )
    erasmus_code = models.CharField(_("Erasmus code"), max_length=20, blank=True)
    ewp_hei_id = models.CharField(_("EWP hei-id"), max_length=100, blank=True, db_index=True)
    pic = models.CharField(_("PIC"), max_length=9, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("now known as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    # Every name, acronym and domain, normalised, for search in any language.
    search_text = models.TextField(editable=False, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="institution_by_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["ror_id"],
                condition=~models.Q(ror_id=""),
                name="unique_institution_ror_id",
                violation_error_code="unique",
                violation_error_message=_("Another institution has this ROR id."),
            ),
            models.UniqueConstraint(
                fields=["partner_status"],
                condition=models.Q(partner_status="home"),
                name="one_home_university",
                violation_error_code="unique",
                violation_error_message=_("Another institution is already the home university."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        successor_id, seen = self.successor_id, set()
        while successor_id is not None and successor_id not in seen:
            if successor_id == self.pk:
                raise ValidationError({"successor": _("An institution cannot succeed itself.")})
            seen.add(successor_id)
            successor_id = (
                Institution.objects.filter(pk=successor_id)
                .values_list("successor_id", flat=True)
                .first()
            )

    @property
    def is_home(self) -> bool:
        return self.partner_status == PartnerStatus.HOME

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def display_name(self) -> str:
        names = {n.language: n.name for n in self.names.all() if n.kind == NameKind.OFFICIAL}
        return localised(names, self.name)

    def rebuild_search_text(self, *, fresh: bool = False) -> None:
        """Recompute :attr:`search_text` from the names and domains (saved by the caller).

        ``fresh`` reads names and domains from the database, bypassing prefetched ones.
        """
        names, domains = self.names.all(), self.domains.all()
        if fresh:
            names, domains = names.all(), domains.all()
        self.search_text = self.search_text_from(
            [n.name for n in names], [d.domain for d in domains]
        )

    def search_text_from(self, names: list[str], domains: list[str]) -> str:
        """The search text for this institution with these names and domains (no queries)."""
        parts = [self.name, self.ror_id, self.erasmus_code, self.ewp_hei_id, self.city]
        return " | ".join(normalise_name(part) for part in [*parts, *names, *domains] if part)


# Fields only home officers set: how the home university classes an institution, and the
# identifiers other systems (EWP, ROR, imports) match institutions by.
CLASSIFYING_FIELDS = [
    "kind",
    "partner_status",
    "successor",
    "ror_id",
    "erasmus_code",
    "ewp_hei_id",
    "pic",
]

# An institution's own description and identifiers, as the form and the API edit them.
PROFILE_FIELDS = [
    "city",
    "founded_year",
    "student_count",
    "international_student_count",
    "faculty_count",
    "department_count",
    "laboratory_count",
    "centre_count",
    "specialty_count",
    "description",
    "website",
    "ror_id",
    "erasmus_code",
    "ewp_hei_id",
    "pic",
]


class NameKind(models.TextChoices):
    OFFICIAL = "official", _("Official name")
    ACRONYM = "acronym", _("Acronym")
    ALIAS = "alias", _("Other name")


class InstitutionName(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(
        _("language"), max_length=8, help_text=_("ISO 639-1 code, e.g. uk.")
    )
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=10, choices=NameKind.choices, default=NameKind.OFFICIAL
    )

    class Meta:
        verbose_name = _("institution name")
        verbose_name_plural = _("institution names")
        ordering = ["kind", "language", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "language", "kind", "name"], name="unique_institution_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"


class InstitutionDomain(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("web domain")
        verbose_name_plural = _("web domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class InternationalStudents(models.Model):
    """International students at an institution from one country (count may be unknown)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="international_students"
    )
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    count = models.PositiveIntegerField(_("students"), null=True, blank=True)

    class Meta:
        verbose_name = _("international students by country")
        verbose_name_plural = _("international students by country")
        ordering = ["-count", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "country"], name="unique_students_country"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country_name}: {self.count if self.count is not None else '?'}"

    @property
    def country_name(self) -> str:
        return country_name(self.country)


class UnitKind(models.TextChoices):
    FACULTY = "faculty", _("Faculty")
    INSTITUTE = "institute", _("Institute")
    DEPARTMENT = "department", _("Department")
    CENTRE = "centre", _("Centre")
    LABORATORY = "laboratory", _("Laboratory")
    LIBRARY = "library", _("Library")
    MUSEUM = "museum", _("Museum")
    PUBLISHING_HOUSE = "publishing_house", _("Publishing house")
    OFFICE = "office", _("Office")
    OTHER = "other", _("Other")


class Unit(models.Model):
    """An organisational unit of an institution; units form a tree."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    kind = models.CharField(_("type"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=300, help_text=_("Name in English."))
    names = models.JSONField(
        _("names in other languages"), default=dict, blank=True, help_text=_('e.g. {"uk": "..."}')
    )
    code = models.CharField(_("code"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            seen.add(ancestor.pk)
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A unit cannot be part of itself.")})
            if ancestor.institution_id != self.institution_id:
                raise ValidationError(
                    {"parent": _("The parent unit belongs to another institution.")}
                )
            ancestor = ancestor.parent

    @property
    def display_name(self) -> str:
        return localised(self.names, self.name)


def check_unit_of_institution(obj: Any) -> None:
    """A record's unit (a contact's, an offering's, a person's) must belong to its institution;
    a unit id naming no unit is left to the field's own validation to report."""
    try:
        unit = obj.unit
    except ObjectDoesNotExist:
        return
    if unit is not None and unit.institution_id != obj.institution_id:
        raise ValidationError({"unit": _("The unit belongs to another institution.")})


class ContactRole(models.TextChoices):
    RECTOR = "rector", _("Rector")
    VICE_RECTOR = "vice_rector", _("Vice-rector")
    IRO_HEAD = "iro_head", _("Head of international relations office")
    IRO_OFFICER = "iro_officer", _("International relations officer")
    INCOMING = "incoming", _("Incoming mobility contact")
    OUTGOING = "outgoing", _("Outgoing mobility contact")
    DEAN = "dean", _("Dean")
    OTHER = "other", _("Other")


class Contact(models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="contacts")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    person_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["role", "person_name"]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.get_role_display()})"

    def clean(self) -> None:
        check_unit_of_institution(self)


class FieldLevel(models.TextChoices):
    BROAD = "broad", _("Broad field")
    NARROW = "narrow", _("Narrow field")
    DETAILED = "detailed", _("Detailed field")


class Field(models.Model):
    """An ISCED-F 2013 field of education and training."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    level = models.CharField(_("level"), max_length=10, choices=FieldLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)

    class Meta:
        verbose_name = _("field (ISCED-F 2013)")
        verbose_name_plural = _("fields (ISCED-F 2013)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localised({"en": self.name_en, "uk": self.name_uk}, self.name_en)


class SpecialtyScheme(models.TextChoices):
    UA_2015 = "ua-2015", _("Ukraine, 2015 list")


class Specialty(models.Model):
    """A national specialty (e.g. Ukrainian 185 "Oil and gas engineering and technologies")."""

    scheme = models.CharField(_("list"), max_length=20, choices=SpecialtyScheme.choices)
    code = models.CharField(_("code"), max_length=10)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200)
    area_code = models.CharField(_("field of knowledge"), max_length=10)
    area_name_en = models.CharField(_("field of knowledge (English)"), max_length=200)
    area_name_uk = models.CharField(_("field of knowledge (Ukrainian)"), max_length=200)
    fields = models.ManyToManyField(
        Field, verbose_name=_("ISCED-F fields"), related_name="specialties", blank=True
    )
    primary_field = models.ForeignKey(
        Field,
        verbose_name=_("main ISCED-F field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["scheme", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_specialty_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localised({"en": self.name_en, "uk": self.name_uk}, self.name_en)


class StudyLevel(models.IntegerChoices):
    """Cycles of higher education by their European Qualifications Framework level."""

    BACHELOR = 6, _("Bachelor (EQF 6)")
    MASTER = 7, _("Master (EQF 7)")
    DOCTORATE = 8, _("PhD (EQF 8)")


class Offering(models.Model):
    """A specialty or field an institution teaches at one level."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="offerings")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offerings",
    )
    field = models.ForeignKey(
        Field,
        verbose_name=_("field (ISCED-F)"),
        on_delete=models.PROTECT,
        related_name="offerings",
        limit_choices_to={"level": FieldLevel.DETAILED},
    )
    specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("national specialty"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=StudyLevel.choices)
    title = models.CharField(_("programme title"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("offered specialty")
        verbose_name_plural = _("offered specialties")
        ordering = ["field_id", "level", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "field", "specialty", "level", "title"],
                name="unique_offering",
            ),
        ]

    def __str__(self) -> str:
        subject = self.specialty or self.field
        return f"{subject} - {self.get_level_display()}"

    def clean(self) -> None:
        check_unit_of_institution(self)
