// The same consumer on Powertools for AWS Lambda (TypeScript), written the way its documentation
// shows, for scripts/bench: BatchProcessor with its parser integration (a Zod schema of the
// fields the handler reads, passing the rest through), makeIdempotent on DynamoDB keyed by the
// event's id, processPartialResponse.
const { BatchProcessor, EventType, processPartialResponse } = require("@aws-lambda-powertools/batch");
const { parser } = require("@aws-lambda-powertools/batch/parser");
const { IdempotencyConfig, makeIdempotent } = require("@aws-lambda-powertools/idempotency");
const { DynamoDBPersistenceLayer } = require("@aws-lambda-powertools/idempotency/dynamodb");
const { z } = require("zod");

const Business = z.looseObject({
  object: z.literal("business"),
  id: z.string(),
  name: z.string(),
  status: z.string(),
  external_id: z.string().nullable().optional(),
});
const BusinessUpdated = z.looseObject({
  object: z.literal("event"),
  id: z.string(),
  type: z.literal("business.updated"),
  account_id: z.string(),
  created_at: z.iso.datetime({ offset: true }),
  data: z.looseObject({ object: Business, previous_attributes: z.record(z.string(), z.unknown()).nullish() }),
});

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: process.env.POWERTOOLS_IDEMPOTENCY_TABLE });
const config = new IdempotencyConfig({ eventKeyJmesPath: "id" });
const processor = new BatchProcessor(EventType.SQS, { parser, innerSchema: BusinessUpdated, transformer: "json" });

const businessUpdated = makeIdempotent(
  async (event) => {
    const business = event.data.object;
    return { business_id: business.id, status: business.status };
  },
  { persistenceStore, config },
);

exports.handler = async (event, context) => {
  config.registerLambdaContext(context);
  return processPartialResponse(event, (record) => businessUpdated(record.body), processor, { context });
};
