"""EWP-style endpoints: IIAs index and get, IIAs approval, institutions and units.

Every request must be signed (HTTP signatures as EWP uses them) with a key registered for a
partner; the partner then sees only the IIAs it is party to. Answers are EWP XML, checked
against the schema before they leave; errors are ``error-response`` documents.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from accord.ewp import httpsig
from accord.ewp.exporting import (
    approvals_response,
    home_institution,
    iias_response,
    index_response,
    institutions_document,
    ounits_document,
    our_iias,
)
from accord.ewp.models import EwpPartner, PartnerIia
from accord.ewp.projection import NotExportable, erasmus_agreements
from accord.ewp.xml import COMMON, XmlRefused, serialize
from accord.institutions.models import Institution, Unit

# The most ids one request may ask for.
MAX_IDS = 20
View = Callable[[HttpRequest, Institution], HttpResponse]


class BadRequest(Exception):
    pass


def _xml(root: etree._Element, status: int = 200) -> HttpResponse:
    return HttpResponse(
        serialize(root), status=status, content_type="application/xml; charset=utf-8"
    )


def error_response(status: int, message: str) -> HttpResponse:
    root = etree.Element(f"{{{COMMON}}}error-response", nsmap={None: COMMON})
    etree.SubElement(root, f"{{{COMMON}}}developer-message").text = message
    return _xml(root, status)


def _caller(request: HttpRequest) -> Institution:
    """The partner whose registered key signed the request."""

    def find_key(key_id: str) -> str | None:
        partner = EwpPartner.objects.filter(key_id=key_id).exclude(key_id="").first()
        return partner.public_key if partner else None

    key_id = httpsig.verify(
        request.method or "GET",
        request.get_full_path(),
        request.headers,
        request.body,
        find_key,
    )
    return EwpPartner.objects.select_related("institution").get(key_id=key_id).institution


def endpoint(view: View) -> Callable[[HttpRequest], HttpResponse]:
    """Authenticate the caller, then answer; refusals as EWP error responses."""

    @csrf_exempt
    @require_http_methods(["GET", "POST"])
    def wrapped(request: HttpRequest) -> HttpResponse:
        try:
            caller = _caller(request)
        except httpsig.SignatureError as error:
            return error_response(error.status, str(error))
        try:
            return view(request, caller)
        except BadRequest as error:
            return error_response(400, str(error))
        except (NotExportable, XmlRefused) as error:
            return error_response(500, str(error))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _values(request: HttpRequest, name: str) -> list[str]:
    values = request.POST.getlist(name) if request.method == "POST" else request.GET.getlist(name)
    if len(values) > MAX_IDS:
        raise BadRequest(f"At most {MAX_IDS} {name} values are accepted.")
    return values


@endpoint
def iias_index(request: HttpRequest, caller: Institution) -> HttpResponse:
    """The ids of our IIAs with the caller, optionally changed since a moment or for years."""
    agreements = erasmus_agreements().filter(parties__institution=caller)
    since = request.GET.get("modified_since")
    if since:
        moment = parse_datetime(since)
        if moment is None:
            raise BadRequest("modified_since is not an xs:dateTime.")
        agreements = agreements.filter(modified__gte=moment)
    years = set(request.GET.getlist("receiving_academic_year_id"))
    projected, _problems = our_iias(agreements)
    ids = [
        p.iia.iia_id
        for p in projected
        if not years
        or any(
            spec.first_year <= year <= spec.last_year for spec in p.iia.conditions for year in years
        )
    ]
    return _xml(index_response(ids))


@endpoint
def iias_get(request: HttpRequest, caller: Institution) -> HttpResponse:
    """Our IIAs with the caller among the asked ids (unknown ids are left out)."""
    ids = _values(request, "iia_id")
    if not ids:
        raise BadRequest("Give at least one iia_id.")
    agreements = erasmus_agreements().filter(parties__institution=caller, ewp__iia_id__in=ids)
    projected, _problems = our_iias(agreements)
    return _xml(iias_response(projected))


@endpoint
def iias_approval(request: HttpRequest, caller: Institution) -> HttpResponse:
    """Our approvals of the caller's copies named by their iia ids."""
    ids = _values(request, "iia_id")
    if not ids:
        raise BadRequest("Give at least one iia_id.")
    approved = PartnerIia.objects.filter(institution=caller, iia_id__in=ids).exclude(
        approved_hash=""
    )
    return _xml(approvals_response(approved.order_by("iia_id")))


def _known_institutions(caller: Institution) -> list[int]:
    """The home university, and the caller itself: what a partner may read about."""
    return [home_institution().pk, caller.pk]


@endpoint
def institutions(request: HttpRequest, caller: Institution) -> HttpResponse:
    hei_ids = _values(request, "hei_id")
    if not hei_ids:
        raise BadRequest("Give at least one hei_id.")
    chosen = Institution.objects.filter(pk__in=_known_institutions(caller), ewp_hei_id__in=hei_ids)
    return _xml(institutions_document(chosen.order_by("pk")))


@endpoint
def ounits(request: HttpRequest, caller: Institution) -> HttpResponse:
    hei_ids = request.GET.getlist("hei_id") or request.POST.getlist("hei_id")
    if len(hei_ids) != 1:
        raise BadRequest("Give exactly one hei_id.")
    ids, codes = _values(request, "ounit_id"), _values(request, "ounit_code")
    if bool(ids) == bool(codes):
        raise BadRequest("Give ounit_id or ounit_code values, not both and not neither.")
    units = Unit.objects.filter(
        institution__in=_known_institutions(caller), institution__ewp_hei_id=hei_ids[0]
    )
    if ids:
        units = units.filter(pk__in=[i for i in ids if i.isdigit()])
    else:
        units = units.filter(code__in=codes)
    return _xml(ounits_document(units))
