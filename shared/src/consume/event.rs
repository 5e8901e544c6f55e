//! Typed Middesk events for consumers.
//!
//! Modelled from Middesk's webhook guide and API reference, and built to never fail on a
//! payload Middesk could send tomorrow: every field is optional, unknown fields are kept in
//! `extra`, an unknown event type is [`EventType::Other`], and a `data.object` of an unknown
//! kind is [`EventObject::Other`] with its raw JSON. A `data.object` of a known kind whose shape
//! no longer fits the model (a field that changed type) is [`EventObject::Mismatched`]: parsing
//! still succeeds, but [`crate::consume::batch::process_batch`] fails such a message by default
//! (dead-letter queue, alarm) instead of letting a handler skip it silently.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use crate::catalogue::EventType;

/// What went wrong in a JSON error, without the values serde quotes from the input (a
/// payload's names and numbers must not reach the logs): `invalid type: integer `12345`,
/// expected a string` becomes `invalid type`, with the line and column when there are any.
pub fn describe_json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let kind = message.split([':', '`']).next().unwrap_or_default().trim();
    match error.line() {
        0 => kind.to_owned(),
        line => format!("{kind} at line {line} column {}", error.column()),
    }
}

/// A Middesk webhook event.
///
/// Middesk sends three envelope shapes, all parsed here:
/// - the usual one: `object: "event"`, `type`, and the resource in `data.object`;
/// - the resource directly in `data`, with `data.object` naming its kind (information requests
///   and item changes): [`EventData::placement`] is [`Placement::InData`];
/// - the type in `namespace` instead of `type`, with no top-level `object` (jurisdiction
///   registrations): [`Event::event_type`] is read from `namespace`.
///
/// Serialising an event gives back the shape it came in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawEvent", into = "RawEvent")]
pub struct Event {
    /// `"event"`; absent in the `namespace` shape.
    pub object: Option<String>,
    /// Middesk's id for the event; the same across Middesk's retries (the idempotency key).
    pub id: String,
    /// The event type, from `type`, else from `namespace`.
    pub event_type: EventType,
    /// When Middesk created the event.
    pub created_at: Option<String>,
    /// The Middesk account the event is for (useful when one endpoint serves several accounts).
    pub account_id: Option<String>,
    /// The event's data.
    pub data: EventData,
    /// Fields Middesk adds to the envelope in future (and `namespace`, when it names the type).
    pub extra: Map<String, Value>,
    /// Whether the type came in `type` (rather than only in `namespace`), to serialise it back.
    type_field: bool,
}

/// An event as it is on the wire (its JSON Schema is [`Event`]'s).
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub(crate) struct RawEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    id: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    event_type: Option<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(default)]
    data: EventData,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl TryFrom<RawEvent> for Event {
    type Error = &'static str;

    fn try_from(raw: RawEvent) -> Result<Self, Self::Error> {
        let type_field = raw.event_type.is_some();
        let event_type = match raw.event_type {
            Some(t) => t,
            None => match raw.extra.get("namespace") {
                Some(Value::String(namespace)) => EventType::parse(namespace),
                _ => return Err("missing field `type` (or `namespace`)"),
            },
        };
        Ok(Self {
            object: raw.object,
            id: raw.id,
            event_type,
            created_at: raw.created_at,
            account_id: raw.account_id,
            data: raw.data,
            extra: raw.extra,
            type_field,
        })
    }
}

impl From<Event> for RawEvent {
    fn from(event: Event) -> Self {
        Self {
            object: event.object,
            id: event.id,
            event_type: event.type_field.then_some(event.event_type),
            created_at: event.created_at,
            account_id: event.account_id,
            data: event.data,
            extra: event.extra,
        }
    }
}

impl Event {
    /// Parses an event from its JSON bytes (an SQS message body).
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The resource the event is about, typed, wherever Middesk put it (`data.object`, or
    /// `data` itself): a business, a lien, a monitor, an item change, … See [`EventObject`].
    pub fn object(&self) -> &EventObject {
        &self.data.object
    }

    /// The resource as JSON, whatever its kind.
    pub(crate) fn object_json(&self) -> Option<Value> {
        self.data.object.to_value().ok()
    }

    /// The attributes the resource had before this change, on `*.updated` and monitoring
    /// events that carry them (`data.previous_attributes`).
    pub fn previous_attributes(&self) -> Option<&Map<String, Value>> {
        self.data.previous_attributes.as_ref()
    }
}

/// Where the resource sits in an event's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placement {
    /// In `data.object` (the usual shape).
    #[default]
    InObject,
    /// Directly in `data`, whose `object` field is then the resource's kind.
    InData,
}

/// The `data` of an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventData {
    /// The resource the event is about.
    pub object: EventObject,
    /// Where the resource sat.
    pub placement: Placement,
    /// `data.previous_attributes`, when Middesk sends them.
    pub previous_attributes: Option<Map<String, Value>>,
    /// Other fields of `data` (never set for [`Placement::InData`]: they belong to the resource).
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for EventData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut data = Map::deserialize(deserializer)?;
        if data.get("object").is_some_and(Value::is_string) {
            return Ok(Self {
                object: EventObject::from_value(Value::Object(data)),
                placement: Placement::InData,
                ..Self::default()
            });
        }
        let object = data.remove("object").map(EventObject::from_value).unwrap_or_default();
        let previous_attributes = match data.remove("previous_attributes") {
            Some(Value::Object(previous)) => Some(previous),
            Some(other) => {
                // Not the documented shape: keep it where it was rather than drop it.
                data.insert("previous_attributes".to_owned(), other);
                None
            }
            None => None,
        };
        Ok(Self { object, placement: Placement::InObject, previous_attributes, extra: data })
    }
}

impl Serialize for EventData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let object = self.object.to_value().map_err(serde::ser::Error::custom)?;
        if self.placement == Placement::InData {
            return object.serialize(serializer);
        }
        let mut map = serializer.serialize_map(None)?;
        if !object.is_null() {
            map.serialize_entry("object", &object)?;
        }
        if let Some(previous) = &self.previous_attributes {
            map.serialize_entry("previous_attributes", previous)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Self::parse(&name))
    }
}

macro_rules! event_objects {
    ($($variant:ident($ty:ty) => $name:literal),+ $(,)?) => {
        /// The object an event is about, chosen by its `object` field.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EventObject {
            $(#[doc = concat!("`\"object\": \"", $name, "\"`")] $variant(Box<$ty>),)+
            /// An object of a kind this version does not model: raw JSON.
            Other(Value),
            /// An object of a kind this version models whose shape does not fit the model (for
            /// example a field that changed type): its raw JSON, and why it does not fit.
            Mismatched {
                /// The object's kind, e.g. `business`.
                kind: String,
                /// The first mismatch found, e.g. `invalid type: integer, expected a string`.
                error: String,
                /// The object as Middesk sent it.
                raw: Value,
            },
        }

        /// The JSON Schema of each object kind this version models, by its `object` field.
        #[cfg(feature = "schema")]
        pub fn object_schemas(generator: &mut schemars::SchemaGenerator) -> Vec<(&'static str, schemars::Schema)> {
            vec![$(($name, generator.subschema_for::<$ty>()),)+]
        }

        impl EventObject {
            fn from_value(value: Value) -> Self {
                let kind = value.get("object").and_then(Value::as_str).unwrap_or_default().to_owned();
                let typed = match kind.as_str() {
                    $($name => serde_path_to_error::deserialize::<_, $ty>(&value).map(|o| Self::$variant(Box::new(o))),)+
                    _ => return Self::Other(value),
                };
                typed.unwrap_or_else(|error| Self::Mismatched {
                    error: format!("{}: {}", error.path(), describe_json_error(error.inner())),
                    kind,
                    raw: value,
                })
            }

            fn to_value(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $(Self::$variant(o) => serde_json::to_value(o),)+
                    Self::Other(raw) | Self::Mismatched { raw, .. } => Ok(raw.clone()),
                }
            }
        }
    };
}

event_objects! {
    Business(Business) => "business",
    Order(Order) => "order",
    Subscription(Subscription) => "subscription",
    IndustryClassification(IndustryClassification) => "industry_classification",
    Tin(Tin) => "tin",
    AgentTaxRegistration(AgentTaxRegistration) => "agent_tax_registration",
    Lien(Lien) => "lien",
    Address(Address) => "address",
    Name(Name) => "name",
    Person(Person) => "person",
    Registration(Registration) => "registration",
    Bankruptcy(Bankruptcy) => "bankruptcy",
    WatchlistResult(WatchlistResult) => "watchlist_result",
    Monitor(Monitor) => "monitor",
    RegistrationRequest(RegistrationRequest) => "registration_request",
    JurisdictionRegistration(JurisdictionRegistration) => "jurisdiction_registration",
    InformationRequest(InformationRequest) => "agent_exception",
    ItemChange(ItemChange) => "agent_item_change",
    Run(Run) => "run",
}

impl Default for EventObject {
    fn default() -> Self {
        Self::Other(Value::Null)
    }
}

impl<'de> Deserialize<'de> for EventObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from_value)
    }
}

impl Serialize for EventObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().map_err(serde::ser::Error::custom)?.serialize(serializer)
    }
}

/// Declares a Middesk object: every field optional, unknown fields kept in `extra`.
macro_rules! middesk_object {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(default)]
        pub struct $name {
            $($(#[$fmeta])* #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
            /// Fields this version does not model, kept as they came.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

middesk_object!(
    /// A business Middesk verifies (`business.created`, `business.updated`).
    Business {
        /// Middesk's business id.
        id: String,
        /// `"business"`.
        object: String,
        /// The name submitted for the business.
        name: String,
        /// Your own id for the business, if you gave one.
        external_id: String,
        /// `open`, `pending`, `in_review`, `approved`, `rejected`, …
        status: String,
        /// The business's website.
        website: Value,
        /// The business's domain.
        domain: Value,
        /// The TIN check.
        tin: Tin,
        /// Middesk's review with its tasks, once available.
        review: Review,
        /// The business's orders.
        orders: Vec<Order>,
        /// Names found and submitted.
        names: Vec<Name>,
        /// Addresses found and submitted.
        addresses: Vec<Address>,
        /// Officers found and submitted.
        officers: Vec<Person>,
        /// People associated with the business.
        people: Vec<Person>,
        /// Secretary of State registrations.
        registrations: Vec<Registration>,
        /// Phone numbers.
        phone_numbers: Vec<Value>,
        /// Tags you set.
        tags: Vec<Value>,
        /// Formation details.
        formation: Value,
        /// Watchlist screening.
        watchlist: Value,
        /// Summary of findings.
        summary: Value,
        /// Industry classification.
        industry_classification: IndustryClassification,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// Middesk's review of a business.
    Review {
        /// Review id.
        id: String,
        /// `"review"`.
        object: String,
        /// The review tasks (TIN match, SOS status, watchlist, …).
        tasks: Vec<ReviewTask>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
        /// Completed at.
        completed_at: String,
    }
);

middesk_object!(
    /// One check of a review.
    ReviewTask {
        /// The check's category (`tin`, `sos`, `watchlist`, `address`, `name`, …).
        category: String,
        /// The check's key (`tin`, `sos_match`, `watchlist`, …).
        key: String,
        /// Human label.
        label: String,
        /// Human message.
        message: String,
        /// Task name.
        name: String,
        /// `success`, `failure`, `warning`, …
        status: String,
        /// Human sub-label.
        sub_label: String,
        /// Where the finding came from.
        sources: Vec<Value>,
    }
);

middesk_object!(
    /// An order of Middesk products (`order.created`, `order.updated`).
    Order {
        /// Order id.
        id: String,
        /// `"order"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// `pending`, `in_progress`, `completed`, …
        status: String,
        /// The product ordered (`identity`, `tin`, …).
        product: String,
        /// Sub-products ordered.
        subproducts: Vec<String>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
        /// Completed at.
        completed_at: String,
    }
);

middesk_object!(
    /// A monitoring subscription (`subscription.created`, `subscription.updated`).
    Subscription {
        /// Subscription id.
        id: String,
        /// `"subscription"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// `active`, `canceled`, …
        status: String,
        /// What is monitored.
        event_types: Vec<String>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A True Industry classification (`industry_classification.*`).
    IndustryClassification {
        /// Classification id.
        id: String,
        /// `"industry_classification"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// `pending`, `completed`, …
        status: String,
        /// Categories found, with NAICS/SIC codes and scores.
        categories: Vec<Value>,
        /// Websites used.
        website: Value,
        /// Created at.
        created_at: String,
        /// Completed at.
        completed_at: String,
    }
);

middesk_object!(
    /// A TIN verification (`tin.retried`, `tin.retrieved`).
    Tin {
        /// TIN id.
        id: String,
        /// `"tin"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// The name the IRS matched against.
        name: String,
        /// The TIN (masked or full, depending on your account).
        tin: String,
        /// Whether the IRS matched name and TIN.
        verified: bool,
        /// Whether the IRS reported a mismatch.
        mismatch: bool,
        /// Whether the result is not yet known (retried later).
        unknown: bool,
        /// Whether the TIN has been issued.
        issued: bool,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// An agent tax registration (`agent_tax_registration.*`).
    AgentTaxRegistration {
        /// Registration id.
        id: String,
        /// `"agent_tax_registration"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// The state registered in.
        state: String,
        /// The registration's status.
        status: String,
        /// Tax account numbers and details.
        tax_registrations: Vec<Value>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A lien (UCC filing) (`lien.updated`).
    Lien {
        /// Lien id.
        id: String,
        /// `"lien"`.
        object: String,
        /// The business it is for.
        business_id: String,
        /// `filed`, `open`, `active`, `terminated`, …
        status: String,
        /// The filing state.
        state: String,
        /// The filing number.
        file_number: String,
        /// Secured parties.
        secured_parties: Vec<Value>,
        /// Debtors.
        debtors: Vec<Value>,
        /// Filed at.
        filed_at: String,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// An address of a business (`address.created`, `address.deleted`).
    Address {
        /// Address id.
        id: String,
        /// `"address"`.
        object: String,
        /// The business it belongs to.
        business_id: String,
        /// First line.
        address_line1: String,
        /// Second line.
        address_line2: String,
        /// City.
        city: String,
        /// State.
        state: String,
        /// Postal code.
        postal_code: String,
        /// The whole address on one line.
        full_address: String,
        /// Whether you submitted it (rather than Middesk finding it).
        submitted: bool,
        /// Whether mail can be delivered there.
        deliverable: bool,
        /// Whether it is a commercial mail receiving agency.
        cmra: bool,
        /// Property type.
        property_type: String,
        /// Where it was found.
        sources: Vec<Value>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A name of a business (`name.created`, `name.deleted`).
    Name {
        /// Name id.
        id: String,
        /// `"name"`.
        object: String,
        /// The business it belongs to.
        business_id: String,
        /// The name.
        name: String,
        /// `legal`, `dba`, …
        #[serde(rename = "type")]
        name_type: String,
        /// Whether you submitted it.
        submitted: bool,
        /// Where it was found.
        sources: Vec<Value>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// An officer or other person of a business (`person.created`, `person.deleted`).
    Person {
        /// Person id.
        id: String,
        /// `"person"`.
        object: String,
        /// The business they belong to.
        business_id: String,
        /// Full name.
        name: String,
        /// Titles (`CEO`, `Director`, …), as objects with `object` and `title`.
        titles: Vec<Value>,
        /// Whether you submitted them.
        submitted: bool,
        /// Where they were found.
        sources: Vec<Value>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A Secretary of State registration (`registration.created`, `registration.updated`).
    Registration {
        /// Registration id.
        id: String,
        /// `"registration"`.
        object: String,
        /// The business it belongs to.
        business_id: String,
        /// Registered name.
        name: String,
        /// `active`, `inactive`, `unknown`.
        status: String,
        /// A finer status (`good_standing`, …).
        sub_status: String,
        /// The state's own status text.
        status_details: String,
        /// State of registration.
        state: String,
        /// Jurisdiction (`DOMESTIC`, `FOREIGN`).
        jurisdiction: String,
        /// Entity type (`CORPORATION`, `LLC`, …).
        entity_type: String,
        /// The state's file number.
        file_number: String,
        /// Date registered.
        registration_date: String,
        /// Addresses on file.
        addresses: Vec<Value>,
        /// Officers on file.
        officers: Vec<Value>,
        /// Where it was found.
        source: String,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A bankruptcy filing (`bankruptcy.created`).
    Bankruptcy {
        /// Bankruptcy id.
        id: String,
        /// `"bankruptcy"`.
        object: String,
        /// The business it concerns.
        business_id: String,
        /// Court case number.
        case_number: String,
        /// Chapter (7, 11, 13, …).
        chapter: Value,
        /// Court.
        court: String,
        /// Filing date.
        filing_date: String,
        /// Debtors named.
        debtors: Vec<Value>,
        /// Created at.
        created_at: String,
    }
);

middesk_object!(
    /// A watchlist hit (`watchlist_result.created`).
    WatchlistResult {
        /// Result id.
        id: String,
        /// `"watchlist_result"`.
        object: String,
        /// The business it concerns.
        business_id: String,
        /// The listed entity's name.
        entity_name: String,
        /// Other names of the listed entity.
        entity_aliases: Vec<String>,
        /// The listing agency.
        agency: String,
        /// The agency's abbreviation (`OFAC`, …).
        agency_abbr: String,
        /// The list's name.
        list_name: String,
        /// The list's country.
        list_country: String,
        /// When the entity was listed.
        listed_at: String,
        /// Link to the listing.
        url: String,
        /// Created at.
        created_at: String,
    }
);

middesk_object!(
    /// A monitor: which event types Middesk watches a business for (`monitor.*`).
    Monitor {
        /// Monitor id.
        id: String,
        /// `"monitor"`.
        object: String,
        /// The business it watches.
        business_id: String,
        /// Each watched type with its status (`active`, `pending`, `unavailable`).
        event_types: Vec<MonitoredType>,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// One event type a monitor watches.
    MonitoredType {
        /// The event type, e.g. `bankruptcy.created`.
        #[serde(rename = "type")]
        event_type: String,
        /// `active`, `pending` or `unavailable`.
        status: String,
    }
);

middesk_object!(
    /// A state tax registration request (`registration_request.*`).
    RegistrationRequest {
        /// Request id.
        id: String,
        /// `"registration_request"`.
        object: String,
        /// The state.
        state: String,
        /// The (child) company it is for.
        company_id: String,
        /// `pending`, `submitted`, `completed`.
        status: String,
        /// The tax registration items, with their values once issued.
        items: Vec<TaxRegistrationItem>,
        /// Created at.
        created_at: String,
        /// Submitted at.
        submitted_at: String,
    }
);

middesk_object!(
    /// One item of a tax registration (an account number, a rate).
    TaxRegistrationItem {
        /// Item id.
        id: String,
        /// The issuing agency.
        agency: String,
        /// Human label, e.g. `SUI Rate`.
        label: String,
        /// Machine key, e.g. `ca_sui_rate`.
        key: String,
        /// The value, once known.
        value: String,
        /// The state.
        state: String,
        /// `open`, `completed`, `active`, …
        status: String,
        /// Updated at.
        updated_at: String,
    }
);

middesk_object!(
    /// A jurisdiction registration (`agent_jurisdiction_registration.*`).
    JurisdictionRegistration {
        /// Registration id.
        id: String,
        /// `"jurisdiction_registration"`.
        object: String,
        /// The (child) company it is for.
        company_id: String,
        /// Your id for the company.
        external_id: String,
        /// `middesk_processing`, `government_processing`, `completed`, …
        status: String,
        /// `CITY`, `FLI`, …
        tax_type: String,
        /// The jurisdiction's name.
        jurisdiction_name: String,
        /// The jurisdiction's slug.
        jurisdiction_slug: String,
        /// The registration's items.
        items: Vec<TaxRegistrationItem>,
        /// The registration request it came from.
        registration_request_id: String,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
        /// Completed at.
        completed_at: String,
    }
);

middesk_object!(
    /// An information request: Middesk needs something from the employer
    /// (`agent_info_request.*`; Middesk's kind name is `agent_exception`).
    InformationRequest {
        /// Request id.
        id: String,
        /// `"agent_exception"`.
        object: String,
        /// The web form to answer it.
        url: String,
        /// What it is about (a tax registration).
        owner: Value,
        /// The company.
        company: Value,
        /// The Middesk account.
        account: Value,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
        /// Completed at.
        completed_at: String,
        /// Voided at.
        voided_at: String,
    }
);

middesk_object!(
    /// A scheduled rate or item change of a tax registration item (`agent_item_change.*`).
    ItemChange {
        /// Change id.
        id: String,
        /// `"agent_item_change"`.
        object: String,
        /// When it takes effect (a date).
        effective_at: String,
        /// When it was applied, once it is.
        applied_at: String,
        /// The value before.
        from_value: String,
        /// The value after.
        to_value: String,
        /// The item that changes.
        tax_registration_item: TaxRegistrationItem,
        /// Its tax registration.
        tax_registration: Value,
        /// The company.
        company: Value,
        /// The Middesk account.
        account: Value,
        /// Created at.
        created_at: String,
    }
);

middesk_object!(
    /// An agent run (`run.*`).
    Run {
        /// Run id.
        id: String,
        /// `"run"`.
        object: String,
        /// `running`, `completed`, `error`, `interrupted`.
        status: String,
        /// The steps taken.
        steps: Vec<Value>,
        /// Open questions, when interrupted.
        interrupts: Vec<Value>,
        /// Started at.
        started_at: String,
        /// Ended at.
        ended_at: String,
        /// Created at.
        created_at: String,
        /// Updated at.
        updated_at: String,
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_whose_shape_changed_is_kept_raw_and_marked_mismatched() {
        let body = br#"{"object":"event","id":"e","type":"business.updated","data":{"object":{"object":"business","external_id":12345,"name":{"legal":"now an object"}}}}"#;
        let event = Event::from_slice(body).unwrap();
        match event.object() {
            EventObject::Mismatched { kind, error, raw } => {
                assert_eq!(kind, "business");
                // Where and what, never the value (12345) itself: errors reach the logs.
                assert_eq!(error, "external_id: invalid type");
                assert_eq!(raw["external_id"], 12345);
            }
            other => panic!("expected the raw object, got {other:?}"),
        }
        // It still round-trips byte-for-byte in meaning.
        let value: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), value);
    }

    #[test]
    fn json_errors_are_described_without_the_values_they_quote() {
        let secretish =
            serde_json::from_slice::<Event>(br#"{"object":"event","id":42,"type":"x.y"}"#).unwrap_err();
        assert_eq!(describe_json_error(&secretish), "invalid type at line 1 column 25");
        let garbage = serde_json::from_slice::<Event>(b"Jane Doe, SSN 123").unwrap_err();
        assert!(!describe_json_error(&garbage).contains("Jane"), "{}", describe_json_error(&garbage));
    }
}
