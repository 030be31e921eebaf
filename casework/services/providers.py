"""The directory of service providers: admins maintain it, caseworkers search it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import codes
from casework.errors import NotFound, StaleVersion, ValidationError
from casework.extensions import db
from casework.models import District, Provider, ProviderDistrict, ProviderService, User, get_by_id

FIELDS = ("name", "kind", "services", "district_ids", "contact", "active")


def snapshot(provider: Provider) -> dict:
    return {
        "name": provider.name,
        "kind": provider.kind,
        "services": provider.service_codes,
        "district_ids": provider.district_ids,
        "contact": provider.contact,
        "active": provider.active,
    }


def _clean(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    name = " ".join((data.get("name") or "").split())
    if not name:
        errors["name"] = [_("Give the organisation's name.")]
    elif len(name) > 200:
        errors["name"] = [_("At most %(n)d characters.", n=200)]
    if data.get("kind") not in codes.PROVIDER_KINDS:
        errors["kind"] = [_("Choose a kind of organisation from the list.")]
    services = sorted(set(data.get("services") or []))
    if not services:
        errors["services"] = [_("Choose at least one service.")]
    elif set(services) - set(codes.SERVICES):
        errors["services"] = [_("Choose services from the list.")]
    district_ids = sorted(set(data.get("district_ids") or []))
    if not district_ids:
        errors["district_ids"] = [_("Choose at least one district served.")]
    else:
        known = set(db.session.scalars(select(District.id).where(District.id.in_(district_ids))))
        if known != set(district_ids):
            errors["district_ids"] = [_("Choose districts from the list.")]
    contact = (data.get("contact") or "").strip()
    if len(contact) > 2000:
        errors["contact"] = [_("At most %(n)d characters.", n=2000)]
    if errors:
        raise ValidationError(fields=errors)
    return {
        "name": name,
        "kind": data["kind"],
        "services": services,
        "district_ids": district_ids,
        "contact": contact,
        "active": bool(data.get("active", True)),
    }


def _apply(provider: Provider, values: dict) -> None:
    provider.name, provider.kind = values["name"], values["kind"]
    provider.contact, provider.active = values["contact"], values["active"]
    provider.services = [ProviderService(service=s) for s in values["services"]]
    provider.districts = [ProviderDistrict(district_id=d) for d in values["district_ids"]]


def create(actor: User | None, data: dict) -> Provider:
    if actor is not None:
        require(actor, Permission.PROVIDER_MANAGE)
    values = _clean(data)
    provider = Provider()
    _apply(provider, values)
    db.session.add(provider)
    db.session.flush()
    audit.record(
        "provider.create",
        object_type="provider",
        object_id=provider.id,
        changes=audit.diff({}, values),
        actor=actor,
        username=None if actor else "cli",
    )
    return provider


def update(actor: User, provider: Provider, data: dict, version: int) -> Provider:
    require(actor, Permission.PROVIDER_MANAGE)
    if version != provider.version:
        raise StaleVersion()
    before = snapshot(provider)
    values = _clean({**before, **{k: v for k, v in data.items() if k in FIELDS}})
    if values == before:
        return provider
    _apply(provider, values)
    # The row itself must be updated for its version to move, even when only the
    # services or districts (child rows) changed: a stale edit is then refused.
    flag_modified(provider, "name")
    db.session.flush()
    audit.record(
        "provider.update",
        object_type="provider",
        object_id=provider.id,
        changes=audit.diff(before, values),
        actor=actor,
    )
    return provider


def get(actor: User, provider_id: int) -> Provider:
    require(actor, Permission.PROVIDER_VIEW)
    provider = get_by_id(Provider, provider_id)
    if provider is None:
        raise NotFound()
    return provider


@dataclass
class ProviderFilters:
    q: str = ""
    service: str | None = None
    district_id: int | None = None
    include_inactive: bool = False
    page: int = 1
    per_page: int = 25


def search(actor: User, filters: ProviderFilters) -> tuple[list[Provider], int]:
    """Providers by service and district served (what a caseworker asks when referring)."""
    require(actor, Permission.PROVIDER_VIEW)
    stmt = select(Provider)
    if not filters.include_inactive:
        stmt = stmt.where(Provider.active.is_(True))
    if filters.q.strip():
        stmt = stmt.where(
            func.lower(Provider.name).contains(filters.q.strip().lower(), autoescape=True)
        )
    if filters.service:
        stmt = stmt.where(
            Provider.id.in_(
                select(ProviderService.provider_id).where(
                    ProviderService.service == filters.service
                )
            )
        )
    if filters.district_id:
        stmt = stmt.where(
            Provider.id.in_(
                select(ProviderDistrict.provider_id).where(
                    ProviderDistrict.district_id == filters.district_id
                )
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = (
        stmt.options(selectinload(Provider.services), selectinload(Provider.districts))
        .order_by(Provider.name, Provider.id)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    return list(db.session.scalars(page)), total
