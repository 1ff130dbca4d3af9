// Validates an OpenAPI document (a JSON file) against the OpenAPI
// specification's own JSON schema. Exit status 0 if valid; 1 with the
// errors on stderr otherwise.
//
//   node validate.mjs openapi.json
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";

const document = JSON.parse(readFileSync(process.argv[2], "utf8"));
const validator = new Validator();
const result = await validator.validate(document);
if (!result.valid) {
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
