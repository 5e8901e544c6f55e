# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit.

from __future__ import annotations

from pydantic import Field, RootModel

from .events import (
    address_created,
    address_deleted,
    agent_info_request_created,
    agent_info_request_updated,
    agent_item_change_created,
    agent_item_change_updated,
    agent_jurisdiction_registration_created,
    agent_jurisdiction_registration_updated,
    agent_tax_registration_created,
    agent_tax_registration_updated,
    bankruptcy_created,
    business_approved,
    business_created,
    business_rejected,
    business_updated,
    industry_classification_completed,
    industry_classification_created,
    lien_found,
    lien_terminated,
    lien_updated,
    monitor_created,
    monitor_updated,
    name_created,
    name_deleted,
    order_created,
    order_updated,
    person_created,
    person_deleted,
    registration_created,
    registration_request_submitted,
    registration_request_updated,
    registration_updated,
    run_completed,
    run_created,
    run_interrupted,
    subscription_created,
    subscription_updated,
    tin_retried,
    tin_retrieved,
    watchlist_result_created,
)


class DocumentedEvent(
    RootModel[
        business_created.BusinessCreatedEvent
        | business_updated.BusinessUpdatedEvent
        | business_approved.BusinessApprovedEvent
        | business_rejected.BusinessRejectedEvent
        | industry_classification_created.IndustryClassificationCreatedEvent
        | industry_classification_completed.IndustryClassificationCompletedEvent
        | order_created.OrderCreatedEvent
        | order_updated.OrderUpdatedEvent
        | subscription_created.SubscriptionCreatedEvent
        | subscription_updated.SubscriptionUpdatedEvent
        | monitor_created.MonitorCreatedEvent
        | monitor_updated.MonitorUpdatedEvent
        | tin_retried.TinRetriedEvent
        | tin_retrieved.TinRetrievedEvent
        | agent_tax_registration_created.AgentTaxRegistrationCreatedEvent
        | agent_tax_registration_updated.AgentTaxRegistrationUpdatedEvent
        | lien_updated.LienUpdatedEvent
        | lien_found.LienFoundEvent
        | lien_terminated.LienTerminatedEvent
        | address_created.AddressCreatedEvent
        | address_deleted.AddressDeletedEvent
        | bankruptcy_created.BankruptcyCreatedEvent
        | name_created.NameCreatedEvent
        | name_deleted.NameDeletedEvent
        | person_created.PersonCreatedEvent
        | person_deleted.PersonDeletedEvent
        | registration_created.RegistrationCreatedEvent
        | registration_updated.RegistrationUpdatedEvent
        | watchlist_result_created.WatchlistResultCreatedEvent
        | registration_request_submitted.RegistrationRequestSubmittedEvent
        | registration_request_updated.RegistrationRequestUpdatedEvent
        | agent_jurisdiction_registration_created.AgentJurisdictionRegistrationCreatedEvent
        | agent_jurisdiction_registration_updated.AgentJurisdictionRegistrationUpdatedEvent
        | agent_info_request_created.AgentInfoRequestCreatedEvent
        | agent_info_request_updated.AgentInfoRequestUpdatedEvent
        | agent_item_change_created.AgentItemChangeCreatedEvent
        | agent_item_change_updated.AgentItemChangeUpdatedEvent
        | run_created.RunCreatedEvent
        | run_completed.RunCompletedEvent
        | run_interrupted.RunInterruptedEvent
    ]
):
    root: (
        business_created.BusinessCreatedEvent
        | business_updated.BusinessUpdatedEvent
        | business_approved.BusinessApprovedEvent
        | business_rejected.BusinessRejectedEvent
        | industry_classification_created.IndustryClassificationCreatedEvent
        | industry_classification_completed.IndustryClassificationCompletedEvent
        | order_created.OrderCreatedEvent
        | order_updated.OrderUpdatedEvent
        | subscription_created.SubscriptionCreatedEvent
        | subscription_updated.SubscriptionUpdatedEvent
        | monitor_created.MonitorCreatedEvent
        | monitor_updated.MonitorUpdatedEvent
        | tin_retried.TinRetriedEvent
        | tin_retrieved.TinRetrievedEvent
        | agent_tax_registration_created.AgentTaxRegistrationCreatedEvent
        | agent_tax_registration_updated.AgentTaxRegistrationUpdatedEvent
        | lien_updated.LienUpdatedEvent
        | lien_found.LienFoundEvent
        | lien_terminated.LienTerminatedEvent
        | address_created.AddressCreatedEvent
        | address_deleted.AddressDeletedEvent
        | bankruptcy_created.BankruptcyCreatedEvent
        | name_created.NameCreatedEvent
        | name_deleted.NameDeletedEvent
        | person_created.PersonCreatedEvent
        | person_deleted.PersonDeletedEvent
        | registration_created.RegistrationCreatedEvent
        | registration_updated.RegistrationUpdatedEvent
        | watchlist_result_created.WatchlistResultCreatedEvent
        | registration_request_submitted.RegistrationRequestSubmittedEvent
        | registration_request_updated.RegistrationRequestUpdatedEvent
        | agent_jurisdiction_registration_created.AgentJurisdictionRegistrationCreatedEvent
        | agent_jurisdiction_registration_updated.AgentJurisdictionRegistrationUpdatedEvent
        | agent_info_request_created.AgentInfoRequestCreatedEvent
        | agent_info_request_updated.AgentInfoRequestUpdatedEvent
        | agent_item_change_created.AgentItemChangeCreatedEvent
        | agent_item_change_updated.AgentItemChangeUpdatedEvent
        | run_created.RunCreatedEvent
        | run_completed.RunCompletedEvent
        | run_interrupted.RunInterruptedEvent
    ) = Field(
        ...,
        description='A Middesk webhook event of a documented type. A type Middesk adds later matches none: read it as an Event.',
        title='DocumentedEvent',
    )
