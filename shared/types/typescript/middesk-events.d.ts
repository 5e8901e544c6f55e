/* Generated from shared/schemas/ by scripts/generate-types (json-schema-to-typescript): do not edit. */

/**
 * A Middesk webhook event of a documented type. A type Middesk adds later matches none: read it as an Event.
 */
export type DocumentedEvent =
  | BusinessCreatedEvent
  | BusinessUpdatedEvent
  | BusinessApprovedEvent
  | BusinessRejectedEvent
  | IndustryClassificationCreatedEvent
  | IndustryClassificationCompletedEvent
  | OrderCreatedEvent
  | OrderUpdatedEvent
  | SubscriptionCreatedEvent
  | SubscriptionUpdatedEvent
  | MonitorCreatedEvent
  | MonitorUpdatedEvent
  | TinRetriedEvent
  | TinRetrievedEvent
  | AgentTaxRegistrationCreatedEvent
  | AgentTaxRegistrationUpdatedEvent
  | LienUpdatedEvent
  | LienFoundEvent
  | LienTerminatedEvent
  | AddressCreatedEvent
  | AddressDeletedEvent
  | BankruptcyCreatedEvent
  | NameCreatedEvent
  | NameDeletedEvent
  | PersonCreatedEvent
  | PersonDeletedEvent
  | RegistrationCreatedEvent
  | RegistrationUpdatedEvent
  | WatchlistResultCreatedEvent
  | RegistrationRequestSubmittedEvent
  | RegistrationRequestUpdatedEvent
  | AgentJurisdictionRegistrationCreatedEvent
  | AgentJurisdictionRegistrationUpdatedEvent
  | AgentInfoRequestCreatedEvent
  | AgentInfoRequestUpdatedEvent
  | AgentItemChangeCreatedEvent
  | AgentItemChangeUpdatedEvent
  | RunCreatedEvent
  | RunCompletedEvent
  | RunInterruptedEvent;
/**
 * A Middesk `business.created` event.
 */
export type BusinessCreatedEvent = Event & {
  data?: BusinessCreatedData;
  type: "business.created";
};
/**
 * A Middesk `business.updated` event.
 */
export type BusinessUpdatedEvent = Event & {
  data?: BusinessUpdatedData;
  type: "business.updated";
};
/**
 * A Middesk `business.approved` event.
 */
export type BusinessApprovedEvent = Event & {
  data?: BusinessApprovedData;
  type: "business.approved";
};
/**
 * A Middesk `business.rejected` event.
 */
export type BusinessRejectedEvent = Event & {
  data?: BusinessRejectedData;
  type: "business.rejected";
};
/**
 * A Middesk `industry_classification.created` event.
 */
export type IndustryClassificationCreatedEvent = Event & {
  data?: IndustryClassificationCreatedData;
  type: "industry_classification.created";
};
/**
 * A Middesk `industry_classification.completed` event.
 */
export type IndustryClassificationCompletedEvent = Event & {
  data?: IndustryClassificationCompletedData;
  type: "industry_classification.completed";
};
/**
 * A Middesk `order.created` event.
 */
export type OrderCreatedEvent = Event & {
  data?: OrderCreatedData;
  type: "order.created";
};
/**
 * A Middesk `order.updated` event.
 */
export type OrderUpdatedEvent = Event & {
  data?: OrderUpdatedData;
  type: "order.updated";
};
/**
 * A Middesk `subscription.created` event.
 */
export type SubscriptionCreatedEvent = Event & {
  data?: SubscriptionCreatedData;
  type: "subscription.created";
};
/**
 * A Middesk `subscription.updated` event.
 */
export type SubscriptionUpdatedEvent = Event & {
  data?: SubscriptionUpdatedData;
  type: "subscription.updated";
};
/**
 * A Middesk `monitor.created` event.
 */
export type MonitorCreatedEvent = Event & {
  data?: MonitorCreatedData;
  type: "monitor.created";
};
/**
 * A Middesk `monitor.updated` event.
 */
export type MonitorUpdatedEvent = Event & {
  data?: MonitorUpdatedData;
  type: "monitor.updated";
};
/**
 * A Middesk `tin.retried` event.
 */
export type TinRetriedEvent = Event & {
  data?: TinRetriedData;
  type: "tin.retried";
};
/**
 * A Middesk `tin.retrieved` event.
 */
export type TinRetrievedEvent = Event & {
  data?: TinRetrievedData;
  type: "tin.retrieved";
};
/**
 * A Middesk `agent_tax_registration.created` event.
 */
export type AgentTaxRegistrationCreatedEvent = Event & {
  data?: AgentTaxRegistrationCreatedData;
  type: "agent_tax_registration.created";
};
/**
 * A Middesk `agent_tax_registration.updated` event.
 */
export type AgentTaxRegistrationUpdatedEvent = Event & {
  data?: AgentTaxRegistrationUpdatedData;
  type: "agent_tax_registration.updated";
};
/**
 * A Middesk `lien.updated` event.
 */
export type LienUpdatedEvent = Event & {
  data?: LienUpdatedData;
  type: "lien.updated";
};
/**
 * A Middesk `lien.found` event.
 */
export type LienFoundEvent = Event & {
  data?: LienFoundData;
  type: "lien.found";
};
/**
 * A Middesk `lien.terminated` event.
 */
export type LienTerminatedEvent = Event & {
  data?: LienTerminatedData;
  type: "lien.terminated";
};
/**
 * A Middesk `address.created` event.
 */
export type AddressCreatedEvent = Event & {
  data?: AddressCreatedData;
  type: "address.created";
};
/**
 * A Middesk `address.deleted` event.
 */
export type AddressDeletedEvent = Event & {
  data?: AddressDeletedData;
  type: "address.deleted";
};
/**
 * A Middesk `bankruptcy.created` event.
 */
export type BankruptcyCreatedEvent = Event & {
  data?: BankruptcyCreatedData;
  type: "bankruptcy.created";
};
/**
 * A Middesk `name.created` event.
 */
export type NameCreatedEvent = Event & {
  data?: NameCreatedData;
  type: "name.created";
};
/**
 * A Middesk `name.deleted` event.
 */
export type NameDeletedEvent = Event & {
  data?: NameDeletedData;
  type: "name.deleted";
};
/**
 * A Middesk `person.created` event.
 */
export type PersonCreatedEvent = Event & {
  data?: PersonCreatedData;
  type: "person.created";
};
/**
 * A Middesk `person.deleted` event.
 */
export type PersonDeletedEvent = Event & {
  data?: PersonDeletedData;
  type: "person.deleted";
};
/**
 * A Middesk `registration.created` event.
 */
export type RegistrationCreatedEvent = Event & {
  data?: RegistrationCreatedData;
  type: "registration.created";
};
/**
 * A Middesk `registration.updated` event.
 */
export type RegistrationUpdatedEvent = Event & {
  data?: RegistrationUpdatedData;
  type: "registration.updated";
};
/**
 * A Middesk `watchlist_result.created` event.
 */
export type WatchlistResultCreatedEvent = Event & {
  data?: WatchlistResultCreatedData;
  type: "watchlist_result.created";
};
/**
 * A Middesk `registration_request.submitted` event.
 */
export type RegistrationRequestSubmittedEvent = Event & {
  data?: RegistrationRequestSubmittedData;
  type: "registration_request.submitted";
};
/**
 * A Middesk `registration_request.updated` event.
 */
export type RegistrationRequestUpdatedEvent = Event & {
  data?: RegistrationRequestUpdatedData;
  type: "registration_request.updated";
};
/**
 * A Middesk `agent_jurisdiction_registration.created` event.
 */
export type AgentJurisdictionRegistrationCreatedEvent = Event & {
  data?: AgentJurisdictionRegistrationCreatedData;
  namespace: "agent_jurisdiction_registration.created";
  type?: "agent_jurisdiction_registration.created";
};
/**
 * A Middesk `agent_jurisdiction_registration.updated` event.
 */
export type AgentJurisdictionRegistrationUpdatedEvent = Event & {
  data?: AgentJurisdictionRegistrationUpdatedData;
  namespace: "agent_jurisdiction_registration.updated";
  type?: "agent_jurisdiction_registration.updated";
};
/**
 * A Middesk `agent_info_request.created` event.
 */
export type AgentInfoRequestCreatedEvent = Event & {
  data?: AgentInfoRequestCreatedData;
  type: "agent_info_request.created";
};
export type AgentInfoRequestCreatedData = InformationRequest;
/**
 * A Middesk `agent_info_request.updated` event.
 */
export type AgentInfoRequestUpdatedEvent = Event & {
  data?: AgentInfoRequestUpdatedData;
  type: "agent_info_request.updated";
};
export type AgentInfoRequestUpdatedData = InformationRequest;
/**
 * A Middesk `agent_item_change.created` event.
 */
export type AgentItemChangeCreatedEvent = Event & {
  data?: AgentItemChangeCreatedData;
  type: "agent_item_change.created";
};
export type AgentItemChangeCreatedData = ItemChange;
/**
 * A Middesk `agent_item_change.updated` event.
 */
export type AgentItemChangeUpdatedEvent = Event & {
  data?: AgentItemChangeUpdatedData;
  type: "agent_item_change.updated";
};
export type AgentItemChangeUpdatedData = ItemChange;
/**
 * A Middesk `run.created` event.
 */
export type RunCreatedEvent = Event & {
  data?: RunCreatedData;
  type: "run.created";
};
/**
 * A Middesk `run.completed` event.
 */
export type RunCompletedEvent = Event & {
  data?: RunCompletedData;
  type: "run.completed";
};
/**
 * A Middesk `run.interrupted` event.
 */
export type RunInterruptedEvent = Event & {
  data?: RunInterruptedData;
  type: "run.interrupted";
};

/**
 * A Middesk webhook event of any type, those Middesk adds later included.
 */
export interface Event {
  account_id?: string | null;
  created_at?: string | null;
  data?: EventData;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  type?: string | null;
}
/**
 * The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.
 */
export interface EventData {}
export interface BusinessCreatedData {
  object: Business;
  tsType?: "unknown";
}
/**
 * A business Middesk verifies (`business.created`, `business.updated`).
 */
export interface Business {
  /**
   * Addresses found and submitted.
   */
  addresses?: Address[] | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * The business's domain.
   */
  domain?: unknown;
  /**
   * Your own id for the business, if you gave one.
   */
  external_id?: string | null;
  /**
   * Formation details.
   */
  formation?: unknown;
  /**
   * Middesk's business id.
   */
  id?: string | null;
  /**
   * Industry classification.
   */
  industry_classification?: IndustryClassification | null;
  /**
   * The name submitted for the business.
   */
  name?: string | null;
  /**
   * Names found and submitted.
   */
  names?: Name[] | null;
  /**
   * `"business"`.
   */
  object?: string | null;
  /**
   * Officers found and submitted.
   */
  officers?: Person[] | null;
  /**
   * The business's orders.
   */
  orders?: Order[] | null;
  /**
   * People associated with the business.
   */
  people?: Person[] | null;
  /**
   * Phone numbers.
   */
  phone_numbers?: unknown[] | null;
  /**
   * Secretary of State registrations.
   */
  registrations?: Registration[] | null;
  /**
   * Middesk's review with its tasks, once available.
   */
  review?: Review | null;
  /**
   * `open`, `pending`, `in_review`, `approved`, `rejected`, …
   */
  status?: string | null;
  /**
   * Summary of findings.
   */
  summary?: unknown;
  /**
   * Tags you set.
   */
  tags?: unknown[] | null;
  /**
   * The TIN check.
   */
  tin?: Tin | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  /**
   * Watchlist screening.
   */
  watchlist?: unknown;
  /**
   * The business's website.
   */
  website?: unknown;
  tsType?: "unknown";
}
/**
 * An address of a business (`address.created`, `address.deleted`).
 */
export interface Address {
  /**
   * First line.
   */
  address_line1?: string | null;
  /**
   * Second line.
   */
  address_line2?: string | null;
  /**
   * The business it belongs to.
   */
  business_id?: string | null;
  /**
   * City.
   */
  city?: string | null;
  /**
   * Whether it is a commercial mail receiving agency.
   */
  cmra?: boolean | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Whether mail can be delivered there.
   */
  deliverable?: boolean | null;
  /**
   * The whole address on one line.
   */
  full_address?: string | null;
  /**
   * Address id.
   */
  id?: string | null;
  /**
   * `"address"`.
   */
  object?: string | null;
  /**
   * Postal code.
   */
  postal_code?: string | null;
  /**
   * Property type.
   */
  property_type?: string | null;
  /**
   * Where it was found.
   */
  sources?: unknown[] | null;
  /**
   * State.
   */
  state?: string | null;
  /**
   * Whether you submitted it (rather than Middesk finding it).
   */
  submitted?: boolean | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * A True Industry classification (`industry_classification.*`).
 */
export interface IndustryClassification {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * Categories found, with NAICS/SIC codes and scores.
   */
  categories?: unknown[] | null;
  /**
   * Completed at.
   */
  completed_at?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Classification id.
   */
  id?: string | null;
  /**
   * `"industry_classification"`.
   */
  object?: string | null;
  /**
   * `pending`, `completed`, …
   */
  status?: string | null;
  /**
   * Websites used.
   */
  website?: unknown;
  tsType?: "unknown";
}
/**
 * A name of a business (`name.created`, `name.deleted`).
 */
export interface Name {
  /**
   * The business it belongs to.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Name id.
   */
  id?: string | null;
  /**
   * The name.
   */
  name?: string | null;
  /**
   * `"name"`.
   */
  object?: string | null;
  /**
   * Where it was found.
   */
  sources?: unknown[] | null;
  /**
   * Whether you submitted it.
   */
  submitted?: boolean | null;
  /**
   * `legal`, `dba`, …
   */
  type?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
}
/**
 * An officer or other person of a business (`person.created`, `person.deleted`).
 */
export interface Person {
  /**
   * The business they belong to.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Person id.
   */
  id?: string | null;
  /**
   * Full name.
   */
  name?: string | null;
  /**
   * `"person"`.
   */
  object?: string | null;
  /**
   * Where they were found.
   */
  sources?: unknown[] | null;
  /**
   * Whether you submitted them.
   */
  submitted?: boolean | null;
  /**
   * Titles (`CEO`, `Director`, …), as objects with `object` and `title`.
   */
  titles?: unknown[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * An order of Middesk products (`order.created`, `order.updated`).
 */
export interface Order {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * Completed at.
   */
  completed_at?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Order id.
   */
  id?: string | null;
  /**
   * `"order"`.
   */
  object?: string | null;
  /**
   * The product ordered (`identity`, `tin`, …).
   */
  product?: string | null;
  /**
   * `pending`, `in_progress`, `completed`, …
   */
  status?: string | null;
  /**
   * Sub-products ordered.
   */
  subproducts?: string[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * A Secretary of State registration (`registration.created`, `registration.updated`).
 */
export interface Registration {
  /**
   * Addresses on file.
   */
  addresses?: unknown[] | null;
  /**
   * The business it belongs to.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Entity type (`CORPORATION`, `LLC`, …).
   */
  entity_type?: string | null;
  /**
   * The state's file number.
   */
  file_number?: string | null;
  /**
   * Registration id.
   */
  id?: string | null;
  /**
   * Jurisdiction (`DOMESTIC`, `FOREIGN`).
   */
  jurisdiction?: string | null;
  /**
   * Registered name.
   */
  name?: string | null;
  /**
   * `"registration"`.
   */
  object?: string | null;
  /**
   * Officers on file.
   */
  officers?: unknown[] | null;
  /**
   * Date registered.
   */
  registration_date?: string | null;
  /**
   * Where it was found.
   */
  source?: string | null;
  /**
   * State of registration.
   */
  state?: string | null;
  /**
   * `active`, `inactive`, `unknown`.
   */
  status?: string | null;
  /**
   * The state's own status text.
   */
  status_details?: string | null;
  /**
   * A finer status (`good_standing`, …).
   */
  sub_status?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * Middesk's review of a business.
 */
export interface Review {
  /**
   * Completed at.
   */
  completed_at?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Review id.
   */
  id?: string | null;
  /**
   * `"review"`.
   */
  object?: string | null;
  /**
   * The review tasks (TIN match, SOS status, watchlist, …).
   */
  tasks?: ReviewTask[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * One check of a review.
 */
export interface ReviewTask {
  /**
   * The check's category (`tin`, `sos`, `watchlist`, `address`, `name`, …).
   */
  category?: string | null;
  /**
   * The check's key (`tin`, `sos_match`, `watchlist`, …).
   */
  key?: string | null;
  /**
   * Human label.
   */
  label?: string | null;
  /**
   * Human message.
   */
  message?: string | null;
  /**
   * Task name.
   */
  name?: string | null;
  /**
   * Where the finding came from.
   */
  sources?: unknown[] | null;
  /**
   * `success`, `failure`, `warning`, …
   */
  status?: string | null;
  /**
   * Human sub-label.
   */
  sub_label?: string | null;
  tsType?: "unknown";
}
/**
 * A TIN verification (`tin.retried`, `tin.retrieved`).
 */
export interface Tin {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * TIN id.
   */
  id?: string | null;
  /**
   * Whether the TIN has been issued.
   */
  issued?: boolean | null;
  /**
   * Whether the IRS reported a mismatch.
   */
  mismatch?: boolean | null;
  /**
   * The name the IRS matched against.
   */
  name?: string | null;
  /**
   * `"tin"`.
   */
  object?: string | null;
  /**
   * The TIN (masked or full, depending on your account).
   */
  tin?: string | null;
  /**
   * Whether the result is not yet known (retried later).
   */
  unknown?: boolean | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  /**
   * Whether the IRS matched name and TIN.
   */
  verified?: boolean | null;
  tsType?: "unknown";
}
export interface BusinessUpdatedData {
  object: Business;
  tsType?: "unknown";
}
export interface BusinessApprovedData {
  object: Business;
  tsType?: "unknown";
}
export interface BusinessRejectedData {
  object: Business;
  tsType?: "unknown";
}
export interface IndustryClassificationCreatedData {
  object: IndustryClassification;
  tsType?: "unknown";
}
export interface IndustryClassificationCompletedData {
  object: IndustryClassification;
  tsType?: "unknown";
}
export interface OrderCreatedData {
  object: Order;
  tsType?: "unknown";
}
export interface OrderUpdatedData {
  object: Order;
  tsType?: "unknown";
}
export interface SubscriptionCreatedData {
  object: Subscription;
  tsType?: "unknown";
}
/**
 * A monitoring subscription (`subscription.created`, `subscription.updated`).
 */
export interface Subscription {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * What is monitored.
   */
  event_types?: string[] | null;
  /**
   * Subscription id.
   */
  id?: string | null;
  /**
   * `"subscription"`.
   */
  object?: string | null;
  /**
   * `active`, `canceled`, …
   */
  status?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
export interface SubscriptionUpdatedData {
  object: Subscription;
  tsType?: "unknown";
}
export interface MonitorCreatedData {
  object: Monitor;
  tsType?: "unknown";
}
/**
 * A monitor: which event types Middesk watches a business for (`monitor.*`).
 */
export interface Monitor {
  /**
   * The business it watches.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Each watched type with its status (`active`, `pending`, `unavailable`).
   */
  event_types?: MonitoredType[] | null;
  /**
   * Monitor id.
   */
  id?: string | null;
  /**
   * `"monitor"`.
   */
  object?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
/**
 * One event type a monitor watches.
 */
export interface MonitoredType {
  /**
   * `active`, `pending` or `unavailable`.
   */
  status?: string | null;
  /**
   * The event type, e.g. `bankruptcy.created`.
   */
  type?: string | null;
}
export interface MonitorUpdatedData {
  object: Monitor;
  tsType?: "unknown";
}
export interface TinRetriedData {
  object: Tin;
  tsType?: "unknown";
}
export interface TinRetrievedData {
  object: Tin;
  tsType?: "unknown";
}
export interface AgentTaxRegistrationCreatedData {
  object: AgentTaxRegistration;
  tsType?: "unknown";
}
/**
 * An agent tax registration (`agent_tax_registration.*`).
 */
export interface AgentTaxRegistration {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Registration id.
   */
  id?: string | null;
  /**
   * `"agent_tax_registration"`.
   */
  object?: string | null;
  /**
   * The state registered in.
   */
  state?: string | null;
  /**
   * The registration's status.
   */
  status?: string | null;
  /**
   * Tax account numbers and details.
   */
  tax_registrations?: unknown[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
export interface AgentTaxRegistrationUpdatedData {
  object: AgentTaxRegistration;
  tsType?: "unknown";
}
export interface LienUpdatedData {
  object: Lien;
  tsType?: "unknown";
}
/**
 * A lien (UCC filing) (`lien.updated`).
 */
export interface Lien {
  /**
   * The business it is for.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Debtors.
   */
  debtors?: unknown[] | null;
  /**
   * The filing number.
   */
  file_number?: string | null;
  /**
   * Filed at.
   */
  filed_at?: string | null;
  /**
   * Lien id.
   */
  id?: string | null;
  /**
   * `"lien"`.
   */
  object?: string | null;
  /**
   * Secured parties.
   */
  secured_parties?: unknown[] | null;
  /**
   * The filing state.
   */
  state?: string | null;
  /**
   * `filed`, `open`, …
   */
  status?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
export interface LienFoundData {
  object: Lien;
  tsType?: "unknown";
}
export interface LienTerminatedData {
  object: Lien;
  tsType?: "unknown";
}
export interface AddressCreatedData {
  object: Address;
  tsType?: "unknown";
}
export interface AddressDeletedData {
  object: Address;
  tsType?: "unknown";
}
export interface BankruptcyCreatedData {
  object: Bankruptcy;
  tsType?: "unknown";
}
/**
 * A bankruptcy filing (`bankruptcy.created`).
 */
export interface Bankruptcy {
  /**
   * The business it concerns.
   */
  business_id?: string | null;
  /**
   * Court case number.
   */
  case_number?: string | null;
  /**
   * Chapter (7, 11, 13, …).
   */
  chapter?: unknown;
  /**
   * Court.
   */
  court?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Debtors named.
   */
  debtors?: unknown[] | null;
  /**
   * Filing date.
   */
  filing_date?: string | null;
  /**
   * Bankruptcy id.
   */
  id?: string | null;
  /**
   * `"bankruptcy"`.
   */
  object?: string | null;
  tsType?: "unknown";
}
export interface NameCreatedData {
  object: Name;
  tsType?: "unknown";
}
export interface NameDeletedData {
  object: Name;
  tsType?: "unknown";
}
export interface PersonCreatedData {
  object: Person;
  tsType?: "unknown";
}
export interface PersonDeletedData {
  object: Person;
  tsType?: "unknown";
}
export interface RegistrationCreatedData {
  object: Registration;
  tsType?: "unknown";
}
export interface RegistrationUpdatedData {
  object: Registration;
  tsType?: "unknown";
}
export interface WatchlistResultCreatedData {
  object: WatchlistResult;
  tsType?: "unknown";
}
/**
 * A watchlist hit (`watchlist_result.created`).
 */
export interface WatchlistResult {
  /**
   * The listing agency.
   */
  agency?: string | null;
  /**
   * The agency's abbreviation (`OFAC`, …).
   */
  agency_abbr?: string | null;
  /**
   * The business it concerns.
   */
  business_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Other names of the listed entity.
   */
  entity_aliases?: string[] | null;
  /**
   * The listed entity's name.
   */
  entity_name?: string | null;
  /**
   * Result id.
   */
  id?: string | null;
  /**
   * The list's country.
   */
  list_country?: string | null;
  /**
   * The list's name.
   */
  list_name?: string | null;
  /**
   * When the entity was listed.
   */
  listed_at?: string | null;
  /**
   * `"watchlist_result"`.
   */
  object?: string | null;
  /**
   * Link to the listing.
   */
  url?: string | null;
  tsType?: "unknown";
}
export interface RegistrationRequestSubmittedData {
  object: RegistrationRequest;
  tsType?: "unknown";
}
/**
 * A state tax registration request (`registration_request.*`).
 */
export interface RegistrationRequest {
  /**
   * The (child) company it is for.
   */
  company_id?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Request id.
   */
  id?: string | null;
  /**
   * The tax registration items, with their values once issued.
   */
  items?: TaxRegistrationItem[] | null;
  /**
   * `"registration_request"`.
   */
  object?: string | null;
  /**
   * The state.
   */
  state?: string | null;
  /**
   * `pending`, `submitted`, `completed`.
   */
  status?: string | null;
  /**
   * Submitted at.
   */
  submitted_at?: string | null;
  minItems?: 0;
}
/**
 * One item of a tax registration (an account number, a rate).
 */
export interface TaxRegistrationItem {
  /**
   * The issuing agency.
   */
  agency?: string | null;
  /**
   * Item id.
   */
  id?: string | null;
  /**
   * Machine key, e.g. `ca_sui_rate`.
   */
  key?: string | null;
  /**
   * Human label, e.g. `SUI Rate`.
   */
  label?: string | null;
  /**
   * The state.
   */
  state?: string | null;
  /**
   * `open`, `completed`, `active`, …
   */
  status?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  /**
   * The value, once known.
   */
  value?: string | null;
  tsType?: "unknown";
}
export interface RegistrationRequestUpdatedData {
  object: RegistrationRequest;
  tsType?: "unknown";
}
export interface AgentJurisdictionRegistrationCreatedData {
  object: JurisdictionRegistration;
  tsType?: "unknown";
}
/**
 * A jurisdiction registration (`agent_jurisdiction_registration.*`).
 */
export interface JurisdictionRegistration {
  /**
   * The (child) company it is for.
   */
  company_id?: string | null;
  /**
   * Completed at.
   */
  completed_at?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Your id for the company.
   */
  external_id?: string | null;
  /**
   * Registration id.
   */
  id?: string | null;
  /**
   * The registration's items.
   */
  items?: TaxRegistrationItem[] | null;
  /**
   * The jurisdiction's name.
   */
  jurisdiction_name?: string | null;
  /**
   * The jurisdiction's slug.
   */
  jurisdiction_slug?: string | null;
  /**
   * `"jurisdiction_registration"`.
   */
  object?: string | null;
  /**
   * The registration request it came from.
   */
  registration_request_id?: string | null;
  /**
   * `middesk_processing`, `government_processing`, `completed`, …
   */
  status?: string | null;
  /**
   * `CITY`, `FLI`, …
   */
  tax_type?: string | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  minItems?: 0;
}
export interface AgentJurisdictionRegistrationUpdatedData {
  object: JurisdictionRegistration;
  tsType?: "unknown";
}
/**
 * An information request: Middesk needs something from the employer
 * (`agent_info_request.*`; Middesk's kind name is `agent_exception`).
 */
export interface InformationRequest {
  /**
   * The Middesk account.
   */
  account?: unknown;
  /**
   * The company.
   */
  company?: unknown;
  /**
   * Completed at.
   */
  completed_at?: string | null;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Request id.
   */
  id?: string | null;
  /**
   * `"agent_exception"`.
   */
  object?: string | null;
  /**
   * What it is about (a tax registration).
   */
  owner?: unknown;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  /**
   * The web form to answer it.
   */
  url?: string | null;
  /**
   * Voided at.
   */
  voided_at?: string | null;
  tsType?: "unknown";
}
/**
 * A scheduled rate or item change of a tax registration item (`agent_item_change.*`).
 */
export interface ItemChange {
  /**
   * The Middesk account.
   */
  account?: unknown;
  /**
   * When it was applied, once it is.
   */
  applied_at?: string | null;
  /**
   * The company.
   */
  company?: unknown;
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * When it takes effect (a date).
   */
  effective_at?: string | null;
  /**
   * The value before.
   */
  from_value?: string | null;
  /**
   * Change id.
   */
  id?: string | null;
  /**
   * `"agent_item_change"`.
   */
  object?: string | null;
  /**
   * Its tax registration.
   */
  tax_registration?: unknown;
  /**
   * The item that changes.
   */
  tax_registration_item?: TaxRegistrationItem | null;
  /**
   * The value after.
   */
  to_value?: string | null;
  tsType?: "unknown";
}
export interface RunCreatedData {
  object: Run;
  tsType?: "unknown";
}
/**
 * An agent run (`run.*`).
 */
export interface Run {
  /**
   * Created at.
   */
  created_at?: string | null;
  /**
   * Ended at.
   */
  ended_at?: string | null;
  /**
   * Run id.
   */
  id?: string | null;
  /**
   * Open questions, when interrupted.
   */
  interrupts?: unknown[] | null;
  /**
   * `"run"`.
   */
  object?: string | null;
  /**
   * Started at.
   */
  started_at?: string | null;
  /**
   * `running`, `completed`, `error`, `interrupted`.
   */
  status?: string | null;
  /**
   * The steps taken.
   */
  steps?: unknown[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  tsType?: "unknown";
}
export interface RunCompletedData {
  object: Run;
  tsType?: "unknown";
}
export interface RunInterruptedData {
  object: Run;
  tsType?: "unknown";
}
