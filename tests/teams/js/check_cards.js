// Parses Adaptive Cards with Microsoft's own library, as a 1.5 host (Teams) would, and lists every
// problem it finds: parse events (unknown or too new properties, bad values) and the failures of
// validateProperties() (required inputs without label or errorMessage, duplicate ids, ...).
// Input on stdin: a JSON object {name: card}. Output on stdout: {name: [problems]}.
"use strict";
const AC = require("adaptivecards/dist/adaptivecards.js");

function problems(json) {
  const found = [];
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    found.push(`${AC.ValidationPhase[event.phase]} ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  const validation = card.validateProperties();
  for (const event of validation.validationEvents) {
    const owner = event.source ? `${event.source.getJsonTypeName()}${event.source.id ? "#" + event.source.id : ""}` : "card";
    found.push(`validate ${owner} ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  return found;
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cards = JSON.parse(input);
  const result = {};
  for (const [name, json] of Object.entries(cards)) result[name] = problems(json);
  process.stdout.write(JSON.stringify(result));
});
