// Must not compile under `tsc --strict`: `stauts` is not a field of a business.
import { Consumer } from "middesk-webhooks";

new Consumer("types").on("business.updated", (event) => event.data.object.stauts);
