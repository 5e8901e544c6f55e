/* Generated from shared/schemas/ by scripts/generate-types (json-schema-to-typescript): do not edit. */

/**
 * A Middesk webhook event of a documented type. A type Middesk adds later matches none: read it as a MiddeskEvent.
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
export type AgentInfoRequestCreatedData = InformationRequest;
export type AgentInfoRequestUpdatedData = InformationRequest;
export type AgentItemChangeCreatedData = ItemChange;
export type AgentItemChangeUpdatedData = ItemChange;

/**
 * A Middesk `business.created` event.
 */
export interface BusinessCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: BusinessCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "business.created";
}
export interface BusinessCreatedData {
  object: Business;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Business | null;
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
  status?: "open" | "pending" | "in_review" | "approved" | "rejected" | (string & {}) | null;
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
  status?: "pending" | "completed" | (string & {}) | null;
  /**
   * Websites used.
   */
  website?: unknown;
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
  type?: "legal" | "dba" | (string & {}) | null;
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
  status?: "pending" | "in_progress" | "completed" | (string & {}) | null;
  /**
   * Sub-products ordered.
   */
  subproducts?: string[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
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
  status?: "active" | "inactive" | "unknown" | (string & {}) | null;
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
  status?: "success" | "failure" | "warning" | (string & {}) | null;
  /**
   * Human sub-label.
   */
  sub_label?: string | null;
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
}
/**
 * A Middesk `business.updated` event.
 */
export interface BusinessUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: BusinessUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "business.updated";
}
export interface BusinessUpdatedData {
  object: Business;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Business | null;
}
/**
 * A Middesk `business.approved` event.
 */
export interface BusinessApprovedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: BusinessApprovedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "business.approved";
}
export interface BusinessApprovedData {
  object: Business;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Business | null;
}
/**
 * A Middesk `business.rejected` event.
 */
export interface BusinessRejectedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: BusinessRejectedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "business.rejected";
}
export interface BusinessRejectedData {
  object: Business;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Business | null;
}
/**
 * A Middesk `industry_classification.created` event.
 */
export interface IndustryClassificationCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: IndustryClassificationCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "industry_classification.created";
}
export interface IndustryClassificationCreatedData {
  object: IndustryClassification;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: IndustryClassification | null;
}
/**
 * A Middesk `industry_classification.completed` event.
 */
export interface IndustryClassificationCompletedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: IndustryClassificationCompletedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "industry_classification.completed";
}
export interface IndustryClassificationCompletedData {
  object: IndustryClassification;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: IndustryClassification | null;
}
/**
 * A Middesk `order.created` event.
 */
export interface OrderCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: OrderCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "order.created";
}
export interface OrderCreatedData {
  object: Order;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Order | null;
}
/**
 * A Middesk `order.updated` event.
 */
export interface OrderUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: OrderUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "order.updated";
}
export interface OrderUpdatedData {
  object: Order;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Order | null;
}
/**
 * A Middesk `subscription.created` event.
 */
export interface SubscriptionCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: SubscriptionCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "subscription.created";
}
export interface SubscriptionCreatedData {
  object: Subscription;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Subscription | null;
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
  status?: "active" | "canceled" | (string & {}) | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
}
/**
 * A Middesk `subscription.updated` event.
 */
export interface SubscriptionUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: SubscriptionUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "subscription.updated";
}
export interface SubscriptionUpdatedData {
  object: Subscription;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Subscription | null;
}
/**
 * A Middesk `monitor.created` event.
 */
export interface MonitorCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: MonitorCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "monitor.created";
}
export interface MonitorCreatedData {
  object: Monitor;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Monitor | null;
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
}
/**
 * One event type a monitor watches.
 */
export interface MonitoredType {
  /**
   * `active`, `pending` or `unavailable`.
   */
  status?: "active" | "pending" | "unavailable" | (string & {}) | null;
  /**
   * The event type, e.g. `bankruptcy.created`.
   */
  type?: string | null;
}
/**
 * A Middesk `monitor.updated` event.
 */
export interface MonitorUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: MonitorUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "monitor.updated";
}
export interface MonitorUpdatedData {
  object: Monitor;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Monitor | null;
}
/**
 * A Middesk `tin.retried` event.
 */
export interface TinRetriedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: TinRetriedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "tin.retried";
}
export interface TinRetriedData {
  object: Tin;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Tin | null;
}
/**
 * A Middesk `tin.retrieved` event.
 */
export interface TinRetrievedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: TinRetrievedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "tin.retrieved";
}
export interface TinRetrievedData {
  object: Tin;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Tin | null;
}
/**
 * A Middesk `agent_tax_registration.created` event.
 */
export interface AgentTaxRegistrationCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentTaxRegistrationCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_tax_registration.created";
}
export interface AgentTaxRegistrationCreatedData {
  object: AgentTaxRegistration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: AgentTaxRegistration | null;
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
}
/**
 * A Middesk `agent_tax_registration.updated` event.
 */
export interface AgentTaxRegistrationUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentTaxRegistrationUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_tax_registration.updated";
}
export interface AgentTaxRegistrationUpdatedData {
  object: AgentTaxRegistration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: AgentTaxRegistration | null;
}
/**
 * A Middesk `lien.updated` event.
 */
export interface LienUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: LienUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "lien.updated";
}
export interface LienUpdatedData {
  object: Lien;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Lien | null;
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
   * `filed`, `open`, `active`, `terminated`, …
   */
  status?: "filed" | "open" | "active" | "terminated" | (string & {}) | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
}
/**
 * A Middesk `lien.found` event.
 */
export interface LienFoundEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: LienFoundData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "lien.found";
}
export interface LienFoundData {
  object: Lien;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Lien | null;
}
/**
 * A Middesk `lien.terminated` event.
 */
export interface LienTerminatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: LienTerminatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "lien.terminated";
}
export interface LienTerminatedData {
  object: Lien;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Lien | null;
}
/**
 * A Middesk `address.created` event.
 */
export interface AddressCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AddressCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "address.created";
}
export interface AddressCreatedData {
  object: Address;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Address | null;
}
/**
 * A Middesk `address.deleted` event.
 */
export interface AddressDeletedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AddressDeletedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "address.deleted";
}
export interface AddressDeletedData {
  object: Address;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Address | null;
}
/**
 * A Middesk `bankruptcy.created` event.
 */
export interface BankruptcyCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: BankruptcyCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "bankruptcy.created";
}
export interface BankruptcyCreatedData {
  object: Bankruptcy;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Bankruptcy | null;
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
}
/**
 * A Middesk `name.created` event.
 */
export interface NameCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: NameCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "name.created";
}
export interface NameCreatedData {
  object: Name;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Name | null;
}
/**
 * A Middesk `name.deleted` event.
 */
export interface NameDeletedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: NameDeletedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "name.deleted";
}
export interface NameDeletedData {
  object: Name;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Name | null;
}
/**
 * A Middesk `person.created` event.
 */
export interface PersonCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: PersonCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "person.created";
}
export interface PersonCreatedData {
  object: Person;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Person | null;
}
/**
 * A Middesk `person.deleted` event.
 */
export interface PersonDeletedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: PersonDeletedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "person.deleted";
}
export interface PersonDeletedData {
  object: Person;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Person | null;
}
/**
 * A Middesk `registration.created` event.
 */
export interface RegistrationCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RegistrationCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "registration.created";
}
export interface RegistrationCreatedData {
  object: Registration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Registration | null;
}
/**
 * A Middesk `registration.updated` event.
 */
export interface RegistrationUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RegistrationUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "registration.updated";
}
export interface RegistrationUpdatedData {
  object: Registration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Registration | null;
}
/**
 * A Middesk `watchlist_result.created` event.
 */
export interface WatchlistResultCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: WatchlistResultCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "watchlist_result.created";
}
export interface WatchlistResultCreatedData {
  object: WatchlistResult;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: WatchlistResult | null;
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
}
/**
 * A Middesk `registration_request.submitted` event.
 */
export interface RegistrationRequestSubmittedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RegistrationRequestSubmittedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "registration_request.submitted";
}
export interface RegistrationRequestSubmittedData {
  object: RegistrationRequest;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: RegistrationRequest | null;
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
  status?: "pending" | "submitted" | "completed" | (string & {}) | null;
  /**
   * Submitted at.
   */
  submitted_at?: string | null;
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
  status?: "open" | "completed" | "active" | (string & {}) | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
  /**
   * The value, once known.
   */
  value?: string | null;
}
/**
 * A Middesk `registration_request.updated` event.
 */
export interface RegistrationRequestUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RegistrationRequestUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "registration_request.updated";
}
export interface RegistrationRequestUpdatedData {
  object: RegistrationRequest;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: RegistrationRequest | null;
}
/**
 * A Middesk `agent_jurisdiction_registration.created` event.
 */
export interface AgentJurisdictionRegistrationCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  namespace?: "agent_jurisdiction_registration.created";
  object?: string | null;
  data: AgentJurisdictionRegistrationCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_jurisdiction_registration.created";
}
export interface AgentJurisdictionRegistrationCreatedData {
  object: JurisdictionRegistration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: JurisdictionRegistration | null;
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
  status?: "middesk_processing" | "government_processing" | "completed" | (string & {}) | null;
  /**
   * `CITY`, `FLI`, …
   */
  tax_type?: "CITY" | "FLI" | (string & {}) | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
}
/**
 * A Middesk `agent_jurisdiction_registration.updated` event.
 */
export interface AgentJurisdictionRegistrationUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  namespace?: "agent_jurisdiction_registration.updated";
  object?: string | null;
  data: AgentJurisdictionRegistrationUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_jurisdiction_registration.updated";
}
export interface AgentJurisdictionRegistrationUpdatedData {
  object: JurisdictionRegistration;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: JurisdictionRegistration | null;
}
/**
 * A Middesk `agent_info_request.created` event.
 */
export interface AgentInfoRequestCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentInfoRequestCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_info_request.created";
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
}
/**
 * A Middesk `agent_info_request.updated` event.
 */
export interface AgentInfoRequestUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentInfoRequestUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_info_request.updated";
}
/**
 * A Middesk `agent_item_change.created` event.
 */
export interface AgentItemChangeCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentItemChangeCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_item_change.created";
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
}
/**
 * A Middesk `agent_item_change.updated` event.
 */
export interface AgentItemChangeUpdatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: AgentItemChangeUpdatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "agent_item_change.updated";
}
/**
 * A Middesk `run.created` event.
 */
export interface RunCreatedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RunCreatedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "run.created";
}
export interface RunCreatedData {
  object: Run;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Run | null;
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
  status?: "running" | "completed" | "error" | "interrupted" | (string & {}) | null;
  /**
   * The steps taken.
   */
  steps?: unknown[] | null;
  /**
   * Updated at.
   */
  updated_at?: string | null;
}
/**
 * A Middesk `run.completed` event.
 */
export interface RunCompletedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RunCompletedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "run.completed";
}
export interface RunCompletedData {
  object: Run;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Run | null;
}
/**
 * A Middesk `run.interrupted` event.
 */
export interface RunInterruptedEvent {
  account_id?: string | null;
  created_at?: string | null;
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  data: RunInterruptedData;
  /**
   * The event type (the packages copy it from `namespace` where Middesk names it there).
   */
  type: "run.interrupted";
}
export interface RunInterruptedData {
  object: Run;
  /**
   * On updates: the fields that changed, with their values before.
   */
  previous_attributes?: Run | null;
}

/**
 * A Middesk webhook event of any type, those Middesk adds later included.
 */
export interface MiddeskEvent {
  account_id?: string | null;
  created_at?: string | null;
  /**
   * The resource in `object` (the usual shape), or the resource itself, its `object` naming its kind.
   */
  data?: {object?: unknown; previous_attributes?: object | null};
  id: string;
  /**
   * The event type, where Middesk names it here instead of in `type`.
   */
  namespace?: string;
  object?: string | null;
  /**
   * The event type (from `namespace` where Middesk names it there).
   */
  type: string;
}

/**
 * @minItems 2
 * @maxItems 2
 *
 * This interface was referenced by `SqsRecord`'s JSON-Schema
 * via the `definition` "ClaimCheckPointer".
 */
export type ClaimCheckPointer = ["software.amazon.payloadoffloading.PayloadS3Pointer", PayloadPointer];

/**
 * An SQS record of a Middesk webhooks queue, as Lambda delivers it.
 */
export interface SqsRecord {
  attributes?: {
    /**
     * The verifier's X-Ray trace header, when it was traced.
     */
    AWSTraceHeader?: string;
    ApproximateReceiveCount?: string;
    /**
     * FIFO queues: the correlation id, else the event id.
     */
    MessageGroupId?: string;
    /**
     * When SQS took the message, in milliseconds since the epoch: no event is placed later (docs/records.md).
     */
    SentTimestamp?: string;
  };
  /**
   * The verified request body byte for byte (an Event), or, with the ExtendedPayloadSize attribute, a ClaimCheckPointer as JSON text.
   */
  body: string;
  messageAttributes: {
    /**
     * On a claim-check pointer: the size of the body in S3. The body is then a pointer (ClaimCheckPointer): read the object, check its size and that its SHA-256 is the key's last segment.
     */
    ExtendedPayloadSize?: {
      dataType: "Number";
      stringValue: string;
    };
    /**
     * The Middesk account the event is for, when the envelope names one.
     */
    account_id?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * How the request was authenticated: `hmac`, `mtls`, `oidc`, or e.g. `hmac+mtls`.
     */
    auth_method?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * `base64` when the body could not travel as SQS text and was encoded.
     */
    body_encoding?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * The `X-Correlation-Id` header: the id of the event's main object.
     */
    correlation_id?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * Middesk's event id, the same across Middesk's retries: the idempotency key.
     */
    event_id?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * The event type (`business.updated`); absent only when it cannot be read.
     */
    event_type?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * `true` when a verified body was not a well-formed event: fail it unless you handle it.
     */
    malformed?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * With `malformed`: why.
     */
    malformed_reason?: {
      dataType: "String";
      stringValue: string;
    };
    /**
     * When the verifier received the request (RFC 3339, UTC, milliseconds).
     */
    received_at?: {
      dataType: "String";
      stringValue: string;
    };
  };
  /**
   * Report it in batchItemFailures to have this message retried.
   */
  messageId: string;
}
/**
 * Where a claim-check message's body is kept.
 *
 * This interface was referenced by `SqsRecord`'s JSON-Schema
 * via the `definition` "PayloadPointer".
 */
export interface PayloadPointer {
  /**
   * The S3 bucket.
   */
  s3BucketName: string;
  /**
   * The object key.
   */
  s3Key: string;
}
