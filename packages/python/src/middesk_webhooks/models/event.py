# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Address(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    address_line1: str | None = Field(None, description='First line.')
    address_line2: str | None = Field(None, description='Second line.')
    business_id: str | None = Field(None, description='The business it belongs to.')
    city: str | None = Field(None, description='City.')
    cmra: bool | None = Field(
        None, description='Whether it is a commercial mail receiving agency.'
    )
    created_at: str | None = Field(None, description='Created at.')
    deliverable: bool | None = Field(
        None, description='Whether mail can be delivered there.'
    )
    full_address: str | None = Field(None, description='The whole address on one line.')
    id: str | None = Field(None, description='Address id.')
    object: str | None = Field(None, description='`"address"`.')
    postal_code: str | None = Field(None, description='Postal code.')
    property_type: str | None = Field(None, description='Property type.')
    sources: list[Any] | None = Field(None, description='Where it was found.')
    state: str | None = Field(None, description='State.')
    submitted: bool | None = Field(
        None, description='Whether you submitted it (rather than Middesk finding it).'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class AgentTaxRegistration(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Registration id.')
    object: str | None = Field(None, description='`"agent_tax_registration"`.')
    state: str | None = Field(None, description='The state registered in.')
    status: str | None = Field(None, description="The registration's status.")
    tax_registrations: list[Any] | None = Field(
        None, description='Tax account numbers and details.'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class Bankruptcy(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it concerns.')
    case_number: str | None = Field(None, description='Court case number.')
    chapter: Any | None = Field(None, description='Chapter (7, 11, 13, …).')
    court: str | None = Field(None, description='Court.')
    created_at: str | None = Field(None, description='Created at.')
    debtors: list[Any] | None = Field(None, description='Debtors named.')
    filing_date: str | None = Field(None, description='Filing date.')
    id: str | None = Field(None, description='Bankruptcy id.')
    object: str | None = Field(None, description='`"bankruptcy"`.')


class EventData(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )


class EventObject(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )


class IndustryClassification(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    categories: list[Any] | None = Field(
        None, description='Categories found, with NAICS/SIC codes and scores.'
    )
    completed_at: str | None = Field(None, description='Completed at.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Classification id.')
    object: str | None = Field(None, description='`"industry_classification"`.')
    status: Literal['pending', 'completed'] | str | None = Field(
        None, description='`pending`, `completed`, …'
    )
    website: Any | None = Field(None, description='Websites used.')


class InformationRequest(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    account: Any | None = Field(None, description='The Middesk account.')
    company: Any | None = Field(None, description='The company.')
    completed_at: str | None = Field(None, description='Completed at.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Request id.')
    object: str | None = Field(None, description='`"agent_exception"`.')
    owner: Any | None = Field(
        None, description='What it is about (a tax registration).'
    )
    updated_at: str | None = Field(None, description='Updated at.')
    url: str | None = Field(None, description='The web form to answer it.')
    voided_at: str | None = Field(None, description='Voided at.')


class Lien(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    created_at: str | None = Field(None, description='Created at.')
    debtors: list[Any] | None = Field(None, description='Debtors.')
    file_number: str | None = Field(None, description='The filing number.')
    filed_at: str | None = Field(None, description='Filed at.')
    id: str | None = Field(None, description='Lien id.')
    object: str | None = Field(None, description='`"lien"`.')
    secured_parties: list[Any] | None = Field(None, description='Secured parties.')
    state: str | None = Field(None, description='The filing state.')
    status: Literal['filed', 'open', 'active', 'terminated'] | str | None = Field(
        None, description='`filed`, `open`, `active`, `terminated`, …'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class MonitoredType(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    status: Literal['active', 'pending', 'unavailable'] | str | None = Field(
        None, description='`active`, `pending` or `unavailable`.'
    )
    type: str | None = Field(
        None, description='The event type, e.g. `bankruptcy.created`.'
    )


class Name(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it belongs to.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Name id.')
    name: str | None = Field(None, description='The name.')
    object: str | None = Field(None, description='`"name"`.')
    sources: list[Any] | None = Field(None, description='Where it was found.')
    submitted: bool | None = Field(None, description='Whether you submitted it.')
    type: Literal['legal', 'dba'] | str | None = Field(
        None, description='`legal`, `dba`, …'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class Order(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    completed_at: str | None = Field(None, description='Completed at.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Order id.')
    object: str | None = Field(None, description='`"order"`.')
    product: str | None = Field(
        None, description='The product ordered (`identity`, `tin`, …).'
    )
    status: Literal['pending', 'in_progress', 'completed'] | str | None = Field(
        None, description='`pending`, `in_progress`, `completed`, …'
    )
    subproducts: list[str] | None = Field(None, description='Sub-products ordered.')
    updated_at: str | None = Field(None, description='Updated at.')


class Person(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business they belong to.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Person id.')
    name: str | None = Field(None, description='Full name.')
    object: str | None = Field(None, description='`"person"`.')
    sources: list[Any] | None = Field(None, description='Where they were found.')
    submitted: bool | None = Field(None, description='Whether you submitted them.')
    titles: list[Any] | None = Field(
        None,
        description='Titles (`CEO`, `Director`, …), as objects with `object` and `title`.',
    )
    updated_at: str | None = Field(None, description='Updated at.')


class Registration(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    addresses: list[Any] | None = Field(None, description='Addresses on file.')
    business_id: str | None = Field(None, description='The business it belongs to.')
    created_at: str | None = Field(None, description='Created at.')
    entity_type: str | None = Field(
        None, description='Entity type (`CORPORATION`, `LLC`, …).'
    )
    file_number: str | None = Field(None, description="The state's file number.")
    id: str | None = Field(None, description='Registration id.')
    jurisdiction: str | None = Field(
        None, description='Jurisdiction (`DOMESTIC`, `FOREIGN`).'
    )
    name: str | None = Field(None, description='Registered name.')
    object: str | None = Field(None, description='`"registration"`.')
    officers: list[Any] | None = Field(None, description='Officers on file.')
    registration_date: str | None = Field(None, description='Date registered.')
    source: str | None = Field(None, description='Where it was found.')
    state: str | None = Field(None, description='State of registration.')
    status: Literal['active', 'inactive', 'unknown'] | str | None = Field(
        None, description='`active`, `inactive`, `unknown`.'
    )
    status_details: str | None = Field(None, description="The state's own status text.")
    sub_status: str | None = Field(
        None, description='A finer status (`good_standing`, …).'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class ReviewTask(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    category: str | None = Field(
        None,
        description="The check's category (`tin`, `sos`, `watchlist`, `address`, `name`, …).",
    )
    key: str | None = Field(
        None, description="The check's key (`tin`, `sos_match`, `watchlist`, …)."
    )
    label: str | None = Field(None, description='Human label.')
    message: str | None = Field(None, description='Human message.')
    name: str | None = Field(None, description='Task name.')
    sources: list[Any] | None = Field(None, description='Where the finding came from.')
    status: Literal['success', 'failure', 'warning'] | str | None = Field(
        None, description='`success`, `failure`, `warning`, …'
    )
    sub_label: str | None = Field(None, description='Human sub-label.')


class Run(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    created_at: str | None = Field(None, description='Created at.')
    ended_at: str | None = Field(None, description='Ended at.')
    id: str | None = Field(None, description='Run id.')
    interrupts: list[Any] | None = Field(
        None, description='Open questions, when interrupted.'
    )
    object: str | None = Field(None, description='`"run"`.')
    started_at: str | None = Field(None, description='Started at.')
    status: Literal['running', 'completed', 'error', 'interrupted'] | str | None = (
        Field(None, description='`running`, `completed`, `error`, `interrupted`.')
    )
    steps: list[Any] | None = Field(None, description='The steps taken.')
    updated_at: str | None = Field(None, description='Updated at.')


class Subscription(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    created_at: str | None = Field(None, description='Created at.')
    event_types: list[str] | None = Field(None, description='What is monitored.')
    id: str | None = Field(None, description='Subscription id.')
    object: str | None = Field(None, description='`"subscription"`.')
    status: Literal['active', 'canceled'] | str | None = Field(
        None, description='`active`, `canceled`, …'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class TaxRegistrationItem(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    agency: str | None = Field(None, description='The issuing agency.')
    id: str | None = Field(None, description='Item id.')
    key: str | None = Field(None, description='Machine key, e.g. `ca_sui_rate`.')
    label: str | None = Field(None, description='Human label, e.g. `SUI Rate`.')
    state: str | None = Field(None, description='The state.')
    status: Literal['open', 'completed', 'active'] | str | None = Field(
        None, description='`open`, `completed`, `active`, …'
    )
    updated_at: str | None = Field(None, description='Updated at.')
    value: str | None = Field(None, description='The value, once known.')


class Tin(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it is for.')
    id: str | None = Field(None, description='TIN id.')
    issued: bool | None = Field(None, description='Whether the TIN has been issued.')
    mismatch: bool | None = Field(
        None, description='Whether the IRS reported a mismatch.'
    )
    name: str | None = Field(None, description='The name the IRS matched against.')
    object: str | None = Field(None, description='`"tin"`.')
    tin: str | None = Field(
        None, description='The TIN (masked or full, depending on your account).'
    )
    unknown: bool | None = Field(
        None, description='Whether the result is not yet known (retried later).'
    )
    updated_at: str | None = Field(None, description='Updated at.')
    verified: bool | None = Field(
        None, description='Whether the IRS matched name and TIN.'
    )


class WatchlistResult(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    agency: str | None = Field(None, description='The listing agency.')
    agency_abbr: str | None = Field(
        None, description="The agency's abbreviation (`OFAC`, …)."
    )
    business_id: str | None = Field(None, description='The business it concerns.')
    created_at: str | None = Field(None, description='Created at.')
    entity_aliases: list[str] | None = Field(
        None, description='Other names of the listed entity.'
    )
    entity_name: str | None = Field(None, description="The listed entity's name.")
    id: str | None = Field(None, description='Result id.')
    list_country: str | None = Field(None, description="The list's country.")
    list_name: str | None = Field(None, description="The list's name.")
    listed_at: str | None = Field(None, description='When the entity was listed.')
    object: str | None = Field(None, description='`"watchlist_result"`.')
    url: str | None = Field(None, description='Link to the listing.')


class MiddeskEvent(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    account_id: str | None = None
    created_at: str | None = None
    data: EventData | None = Field({}, validate_default=True)
    id: str
    namespace: str | None = Field(
        None,
        description='The event type, where Middesk names it here instead of in `type`.',
    )
    object: str | None = None
    type: str | None = None


class ItemChange(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    account: Any | None = Field(None, description='The Middesk account.')
    applied_at: str | None = Field(None, description='When it was applied, once it is.')
    company: Any | None = Field(None, description='The company.')
    created_at: str | None = Field(None, description='Created at.')
    effective_at: str | None = Field(None, description='When it takes effect (a date).')
    from_value: str | None = Field(None, description='The value before.')
    id: str | None = Field(None, description='Change id.')
    object: str | None = Field(None, description='`"agent_item_change"`.')
    tax_registration: Any | None = Field(None, description='Its tax registration.')
    tax_registration_item: TaxRegistrationItem | None = Field(
        None, description='The item that changes.'
    )
    to_value: str | None = Field(None, description='The value after.')


class JurisdictionRegistration(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    company_id: str | None = Field(None, description='The (child) company it is for.')
    completed_at: str | None = Field(None, description='Completed at.')
    created_at: str | None = Field(None, description='Created at.')
    external_id: str | None = Field(None, description='Your id for the company.')
    id: str | None = Field(None, description='Registration id.')
    items: list[TaxRegistrationItem] | None = Field(
        None, description="The registration's items."
    )
    jurisdiction_name: str | None = Field(None, description="The jurisdiction's name.")
    jurisdiction_slug: str | None = Field(None, description="The jurisdiction's slug.")
    object: str | None = Field(None, description='`"jurisdiction_registration"`.')
    registration_request_id: str | None = Field(
        None, description='The registration request it came from.'
    )
    status: (
        Literal['middesk_processing', 'government_processing', 'completed'] | str | None
    ) = Field(
        None,
        description='`middesk_processing`, `government_processing`, `completed`, …',
    )
    tax_type: Literal['CITY', 'FLI'] | str | None = Field(
        None, description='`CITY`, `FLI`, …'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class Monitor(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    business_id: str | None = Field(None, description='The business it watches.')
    created_at: str | None = Field(None, description='Created at.')
    event_types: list[MonitoredType] | None = Field(
        None,
        description='Each watched type with its status (`active`, `pending`, `unavailable`).',
    )
    id: str | None = Field(None, description='Monitor id.')
    object: str | None = Field(None, description='`"monitor"`.')
    updated_at: str | None = Field(None, description='Updated at.')


class RegistrationRequest(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    company_id: str | None = Field(None, description='The (child) company it is for.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Request id.')
    items: list[TaxRegistrationItem] | None = Field(
        None, description='The tax registration items, with their values once issued.'
    )
    object: str | None = Field(None, description='`"registration_request"`.')
    state: str | None = Field(None, description='The state.')
    status: Literal['pending', 'submitted', 'completed'] | str | None = Field(
        None, description='`pending`, `submitted`, `completed`.'
    )
    submitted_at: str | None = Field(None, description='Submitted at.')


class Review(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    completed_at: str | None = Field(None, description='Completed at.')
    created_at: str | None = Field(None, description='Created at.')
    id: str | None = Field(None, description='Review id.')
    object: str | None = Field(None, description='`"review"`.')
    tasks: list[ReviewTask] | None = Field(
        None, description='The review tasks (TIN match, SOS status, watchlist, …).'
    )
    updated_at: str | None = Field(None, description='Updated at.')


class Business(BaseModel):
    model_config = ConfigDict(
        extra='allow',
    )
    addresses: list[Address] | None = Field(
        None, description='Addresses found and submitted.'
    )
    created_at: str | None = Field(None, description='Created at.')
    domain: Any | None = Field(None, description="The business's domain.")
    external_id: str | None = Field(
        None, description='Your own id for the business, if you gave one.'
    )
    formation: Any | None = Field(None, description='Formation details.')
    id: str | None = Field(None, description="Middesk's business id.")
    industry_classification: IndustryClassification | None = Field(
        None, description='Industry classification.'
    )
    name: str | None = Field(None, description='The name submitted for the business.')
    names: list[Name] | None = Field(None, description='Names found and submitted.')
    object: str | None = Field(None, description='`"business"`.')
    officers: list[Person] | None = Field(
        None, description='Officers found and submitted.'
    )
    orders: list[Order] | None = Field(None, description="The business's orders.")
    people: list[Person] | None = Field(
        None, description='People associated with the business.'
    )
    phone_numbers: list[Any] | None = Field(None, description='Phone numbers.')
    registrations: list[Registration] | None = Field(
        None, description='Secretary of State registrations.'
    )
    review: Review | None = Field(
        None, description="Middesk's review with its tasks, once available."
    )
    status: (
        Literal['open', 'pending', 'in_review', 'approved', 'rejected'] | str | None
    ) = Field(
        None, description='`open`, `pending`, `in_review`, `approved`, `rejected`, …'
    )
    summary: Any | None = Field(None, description='Summary of findings.')
    tags: list[Any] | None = Field(None, description='Tags you set.')
    tin: Tin | None = Field(None, description='The TIN check.')
    updated_at: str | None = Field(None, description='Updated at.')
    watchlist: Any | None = Field(None, description='Watchlist screening.')
    website: Any | None = Field(None, description="The business's website.")
