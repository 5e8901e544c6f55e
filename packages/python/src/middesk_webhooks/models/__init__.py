# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.
"""The pydantic models of every Middesk event (shared/schemas/), importable from here.

`parse_event(raw)` gives the model of the event's type (its `type`, else its `namespace`), or a
`MiddeskEvent` for a type Middesk adds later. `DocumentedEvent` is the union of the documented
events with a discriminator, for a field of your own models.
"""
from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag

from .event import Address, AgentTaxRegistration, Bankruptcy, EventData, EventObject, IndustryClassification, InformationRequest, Lien, MonitoredType, Name, Order, Person, Registration, ReviewTask, Run, Subscription, TaxRegistrationItem, Tin, WatchlistResult, MiddeskEvent, ItemChange, JurisdictionRegistration, Monitor, RegistrationRequest, Review, Business
from .sqs_record import SqsRecord, MessageAttributes, PayloadPointer, ClaimCheckPointer
from .events.business_created import BusinessCreatedEvent
from .events.business_updated import BusinessUpdatedEvent
from .events.business_approved import BusinessApprovedEvent
from .events.business_rejected import BusinessRejectedEvent
from .events.industry_classification_created import IndustryClassificationCreatedEvent
from .events.industry_classification_completed import IndustryClassificationCompletedEvent
from .events.order_created import OrderCreatedEvent
from .events.order_updated import OrderUpdatedEvent
from .events.subscription_created import SubscriptionCreatedEvent
from .events.subscription_updated import SubscriptionUpdatedEvent
from .events.monitor_created import MonitorCreatedEvent
from .events.monitor_updated import MonitorUpdatedEvent
from .events.tin_retried import TinRetriedEvent
from .events.tin_retrieved import TinRetrievedEvent
from .events.agent_tax_registration_created import AgentTaxRegistrationCreatedEvent
from .events.agent_tax_registration_updated import AgentTaxRegistrationUpdatedEvent
from .events.lien_updated import LienUpdatedEvent
from .events.lien_found import LienFoundEvent
from .events.lien_terminated import LienTerminatedEvent
from .events.address_created import AddressCreatedEvent
from .events.address_deleted import AddressDeletedEvent
from .events.bankruptcy_created import BankruptcyCreatedEvent
from .events.name_created import NameCreatedEvent
from .events.name_deleted import NameDeletedEvent
from .events.person_created import PersonCreatedEvent
from .events.person_deleted import PersonDeletedEvent
from .events.registration_created import RegistrationCreatedEvent
from .events.registration_updated import RegistrationUpdatedEvent
from .events.watchlist_result_created import WatchlistResultCreatedEvent
from .events.registration_request_submitted import RegistrationRequestSubmittedEvent
from .events.registration_request_updated import RegistrationRequestUpdatedEvent
from .events.agent_jurisdiction_registration_created import AgentJurisdictionRegistrationCreatedEvent
from .events.agent_jurisdiction_registration_updated import AgentJurisdictionRegistrationUpdatedEvent
from .events.agent_info_request_created import AgentInfoRequestCreatedEvent
from .events.agent_info_request_updated import AgentInfoRequestUpdatedEvent
from .events.agent_item_change_created import AgentItemChangeCreatedEvent
from .events.agent_item_change_updated import AgentItemChangeUpdatedEvent
from .events.run_created import RunCreatedEvent
from .events.run_completed import RunCompletedEvent
from .events.run_interrupted import RunInterruptedEvent


def event_type_of(value: Any) -> str | None:
    """The type of an event, raw or a model: its `type`, else its `namespace`."""
    if isinstance(value, dict):
        return value.get("type") or value.get("namespace")
    return getattr(value, "type", None) or getattr(value, "namespace", None)


#: The model of each documented event type.
MODELS: dict[str, type[MiddeskEvent]] = {
    "business.created": BusinessCreatedEvent,
    "business.updated": BusinessUpdatedEvent,
    "business.approved": BusinessApprovedEvent,
    "business.rejected": BusinessRejectedEvent,
    "industry_classification.created": IndustryClassificationCreatedEvent,
    "industry_classification.completed": IndustryClassificationCompletedEvent,
    "order.created": OrderCreatedEvent,
    "order.updated": OrderUpdatedEvent,
    "subscription.created": SubscriptionCreatedEvent,
    "subscription.updated": SubscriptionUpdatedEvent,
    "monitor.created": MonitorCreatedEvent,
    "monitor.updated": MonitorUpdatedEvent,
    "tin.retried": TinRetriedEvent,
    "tin.retrieved": TinRetrievedEvent,
    "agent_tax_registration.created": AgentTaxRegistrationCreatedEvent,
    "agent_tax_registration.updated": AgentTaxRegistrationUpdatedEvent,
    "lien.updated": LienUpdatedEvent,
    "lien.found": LienFoundEvent,
    "lien.terminated": LienTerminatedEvent,
    "address.created": AddressCreatedEvent,
    "address.deleted": AddressDeletedEvent,
    "bankruptcy.created": BankruptcyCreatedEvent,
    "name.created": NameCreatedEvent,
    "name.deleted": NameDeletedEvent,
    "person.created": PersonCreatedEvent,
    "person.deleted": PersonDeletedEvent,
    "registration.created": RegistrationCreatedEvent,
    "registration.updated": RegistrationUpdatedEvent,
    "watchlist_result.created": WatchlistResultCreatedEvent,
    "registration_request.submitted": RegistrationRequestSubmittedEvent,
    "registration_request.updated": RegistrationRequestUpdatedEvent,
    "agent_jurisdiction_registration.created": AgentJurisdictionRegistrationCreatedEvent,
    "agent_jurisdiction_registration.updated": AgentJurisdictionRegistrationUpdatedEvent,
    "agent_info_request.created": AgentInfoRequestCreatedEvent,
    "agent_info_request.updated": AgentInfoRequestUpdatedEvent,
    "agent_item_change.created": AgentItemChangeCreatedEvent,
    "agent_item_change.updated": AgentItemChangeUpdatedEvent,
    "run.created": RunCreatedEvent,
    "run.completed": RunCompletedEvent,
    "run.interrupted": RunInterruptedEvent,
}

#: A documented event, told apart by its type: one model is tried, and its errors are the only ones.
DocumentedEvent = Annotated[
    Union[
        Annotated[BusinessCreatedEvent, Tag("business.created")],
        Annotated[BusinessUpdatedEvent, Tag("business.updated")],
        Annotated[BusinessApprovedEvent, Tag("business.approved")],
        Annotated[BusinessRejectedEvent, Tag("business.rejected")],
        Annotated[IndustryClassificationCreatedEvent, Tag("industry_classification.created")],
        Annotated[IndustryClassificationCompletedEvent, Tag("industry_classification.completed")],
        Annotated[OrderCreatedEvent, Tag("order.created")],
        Annotated[OrderUpdatedEvent, Tag("order.updated")],
        Annotated[SubscriptionCreatedEvent, Tag("subscription.created")],
        Annotated[SubscriptionUpdatedEvent, Tag("subscription.updated")],
        Annotated[MonitorCreatedEvent, Tag("monitor.created")],
        Annotated[MonitorUpdatedEvent, Tag("monitor.updated")],
        Annotated[TinRetriedEvent, Tag("tin.retried")],
        Annotated[TinRetrievedEvent, Tag("tin.retrieved")],
        Annotated[AgentTaxRegistrationCreatedEvent, Tag("agent_tax_registration.created")],
        Annotated[AgentTaxRegistrationUpdatedEvent, Tag("agent_tax_registration.updated")],
        Annotated[LienUpdatedEvent, Tag("lien.updated")],
        Annotated[LienFoundEvent, Tag("lien.found")],
        Annotated[LienTerminatedEvent, Tag("lien.terminated")],
        Annotated[AddressCreatedEvent, Tag("address.created")],
        Annotated[AddressDeletedEvent, Tag("address.deleted")],
        Annotated[BankruptcyCreatedEvent, Tag("bankruptcy.created")],
        Annotated[NameCreatedEvent, Tag("name.created")],
        Annotated[NameDeletedEvent, Tag("name.deleted")],
        Annotated[PersonCreatedEvent, Tag("person.created")],
        Annotated[PersonDeletedEvent, Tag("person.deleted")],
        Annotated[RegistrationCreatedEvent, Tag("registration.created")],
        Annotated[RegistrationUpdatedEvent, Tag("registration.updated")],
        Annotated[WatchlistResultCreatedEvent, Tag("watchlist_result.created")],
        Annotated[RegistrationRequestSubmittedEvent, Tag("registration_request.submitted")],
        Annotated[RegistrationRequestUpdatedEvent, Tag("registration_request.updated")],
        Annotated[AgentJurisdictionRegistrationCreatedEvent, Tag("agent_jurisdiction_registration.created")],
        Annotated[AgentJurisdictionRegistrationUpdatedEvent, Tag("agent_jurisdiction_registration.updated")],
        Annotated[AgentInfoRequestCreatedEvent, Tag("agent_info_request.created")],
        Annotated[AgentInfoRequestUpdatedEvent, Tag("agent_info_request.updated")],
        Annotated[AgentItemChangeCreatedEvent, Tag("agent_item_change.created")],
        Annotated[AgentItemChangeUpdatedEvent, Tag("agent_item_change.updated")],
        Annotated[RunCreatedEvent, Tag("run.created")],
        Annotated[RunCompletedEvent, Tag("run.completed")],
        Annotated[RunInterruptedEvent, Tag("run.interrupted")],
    ],
    Discriminator(event_type_of),
]


def parse_event(raw: dict) -> MiddeskEvent:
    """The event as the model of its type, or a `MiddeskEvent` for a type without one, its
    `type` set (from `namespace` where Middesk names it there). Raises pydantic's
    ValidationError when a field does not fit its type."""
    event_type = event_type_of(raw)
    if event_type and not raw.get("type"):
        raw = {**raw, "type": event_type}
    return MODELS.get(event_type or "", MiddeskEvent).model_validate(raw)


__all__ = [
    "DocumentedEvent",
    "MODELS",
    "event_type_of",
    "parse_event",
    "Address",
    "AgentTaxRegistration",
    "Bankruptcy",
    "EventData",
    "EventObject",
    "IndustryClassification",
    "InformationRequest",
    "Lien",
    "MonitoredType",
    "Name",
    "Order",
    "Person",
    "Registration",
    "ReviewTask",
    "Run",
    "Subscription",
    "TaxRegistrationItem",
    "Tin",
    "WatchlistResult",
    "MiddeskEvent",
    "ItemChange",
    "JurisdictionRegistration",
    "Monitor",
    "RegistrationRequest",
    "Review",
    "Business",
    "SqsRecord",
    "MessageAttributes",
    "PayloadPointer",
    "ClaimCheckPointer",
    "BusinessCreatedEvent",
    "BusinessUpdatedEvent",
    "BusinessApprovedEvent",
    "BusinessRejectedEvent",
    "IndustryClassificationCreatedEvent",
    "IndustryClassificationCompletedEvent",
    "OrderCreatedEvent",
    "OrderUpdatedEvent",
    "SubscriptionCreatedEvent",
    "SubscriptionUpdatedEvent",
    "MonitorCreatedEvent",
    "MonitorUpdatedEvent",
    "TinRetriedEvent",
    "TinRetrievedEvent",
    "AgentTaxRegistrationCreatedEvent",
    "AgentTaxRegistrationUpdatedEvent",
    "LienUpdatedEvent",
    "LienFoundEvent",
    "LienTerminatedEvent",
    "AddressCreatedEvent",
    "AddressDeletedEvent",
    "BankruptcyCreatedEvent",
    "NameCreatedEvent",
    "NameDeletedEvent",
    "PersonCreatedEvent",
    "PersonDeletedEvent",
    "RegistrationCreatedEvent",
    "RegistrationUpdatedEvent",
    "WatchlistResultCreatedEvent",
    "RegistrationRequestSubmittedEvent",
    "RegistrationRequestUpdatedEvent",
    "AgentJurisdictionRegistrationCreatedEvent",
    "AgentJurisdictionRegistrationUpdatedEvent",
    "AgentInfoRequestCreatedEvent",
    "AgentInfoRequestUpdatedEvent",
    "AgentItemChangeCreatedEvent",
    "AgentItemChangeUpdatedEvent",
    "RunCreatedEvent",
    "RunCompletedEvent",
    "RunInterruptedEvent",
]
