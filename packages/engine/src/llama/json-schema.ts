import { InvalidRequestError, type ToolDefinition } from "@seekdesk/core";
import type { GbnfJsonSchema } from "node-llama-cpp";

/**
 * Translates a client's JSON Schema (OpenAI `response_format.json_schema`, tool parameters) to
 * the subset node-llama-cpp compiles to a GBNF grammar. The structure is kept exactly (types,
 * properties, required, enum/const, anyOf/oneOf, items, $defs/$ref, lengths); assertions the
 * grammar cannot express (pattern, minimum, …) are dropped, so output obeys the shape but not
 * those bounds. What cannot be translated is a 400 naming the place in the schema.
 */
export function toGbnfSchema(schema: unknown, path = "schema"): GbnfJsonSchema {
  const root = convert(schema, path);
  const defs =
    (schema as { $defs?: unknown; definitions?: unknown } | undefined)?.$defs ??
    (schema as { definitions?: unknown } | undefined)?.definitions;
  if (defs && typeof defs === "object") {
    const out: Record<string, GbnfJsonSchema> = {};
    for (const [k, v] of Object.entries(defs)) out[k] = convert(v, `${path}.$defs.${k}`);
    return { ...(root as object), $defs: out } as GbnfJsonSchema;
  }
  return root;
}

const ANY: GbnfJsonSchema = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    { type: "array" },
  ],
};

function convert(s: unknown, path: string): GbnfJsonSchema {
  if (s === true || s === undefined) return ANY;
  if (s === null || typeof s !== "object" || Array.isArray(s)) {
    throw new InvalidRequestError(`${path} must be a JSON Schema object`, "response_format");
  }
  const o = s as Record<string, unknown>;
  const description = typeof o.description === "string" ? { description: o.description } : {};
  if (typeof o.$ref === "string") {
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(o.$ref);
    if (!m)
      throw new InvalidRequestError(
        `${path}.$ref: only local #/$defs/… references are supported`,
        "response_format",
      );
    return { $ref: `#/$defs/${m[1]}`, ...description } as GbnfJsonSchema;
  }
  if ("const" in o) return { const: o.const as string, ...description };
  if (Array.isArray(o.enum)) return { enum: o.enum as string[], ...description };
  const alts = (o.anyOf ?? o.oneOf) as unknown;
  if (Array.isArray(alts))
    return { oneOf: alts.map((a, i) => convert(a, `${path}.anyOf[${i}]`)), ...description };
  if (Array.isArray(o.allOf) && o.allOf.length === 1) return convert(o.allOf[0], `${path}.allOf[0]`);
  const type = o.type;
  if (Array.isArray(type)) {
    if (type.every((t) => ["string", "number", "integer", "boolean", "null"].includes(t as string))) {
      return { type: type as ("string" | "number" | "integer" | "boolean" | "null")[], ...description };
    }
    return { oneOf: type.map((t) => convert({ ...o, type: t }, path)), ...description };
  }
  switch (type) {
    case undefined:
      if (o.properties) return convert({ ...o, type: "object" }, path);
      return ANY;
    case "string": {
      const fmt = o.format;
      if (fmt === "date-time" || fmt === "date" || fmt === "time")
        return { type: "string", format: fmt, ...description };
      return {
        type: "string",
        ...(typeof o.minLength === "number" ? { minLength: o.minLength } : {}),
        ...(typeof o.maxLength === "number" ? { maxLength: o.maxLength } : {}),
        ...description,
      };
    }
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return { type, ...description };
    case "array":
      return {
        type: "array",
        ...(o.items !== undefined ? { items: convert(o.items, `${path}.items`) } : {}),
        ...(Array.isArray(o.prefixItems)
          ? { prefixItems: o.prefixItems.map((p, i) => convert(p, `${path}.prefixItems[${i}]`)) }
          : {}),
        ...(typeof o.minItems === "number" ? { minItems: o.minItems } : {}),
        ...(typeof o.maxItems === "number" ? { maxItems: o.maxItems } : {}),
        ...description,
      };
    case "object": {
      const props = (o.properties ?? {}) as Record<string, unknown>;
      const properties: Record<string, GbnfJsonSchema> = {};
      for (const [k, v] of Object.entries(props)) properties[k] = convert(v, `${path}.properties.${k}`);
      const hasProps = Object.keys(properties).length > 0;
      // JSON Schema allows extra keys by default; with declared properties we keep the output to
      // them (what structured-output users mean), without any we allow an open object.
      const additional =
        o.additionalProperties === undefined
          ? !hasProps
          : typeof o.additionalProperties === "boolean"
            ? o.additionalProperties
            : convert(o.additionalProperties, `${path}.additionalProperties`);
      return {
        type: "object",
        properties,
        ...(Array.isArray(o.required) ? { required: o.required as string[] } : {}),
        additionalProperties: additional,
        ...description,
      } as GbnfJsonSchema;
    }
    default:
      throw new InvalidRequestError(
        `${path}.type: unsupported type ${JSON.stringify(type)}`,
        "response_format",
      );
  }
}

/**
 * The grammar for a forced tool call (tool_choice "required" or a named function):
 * `{"name": <one of the tools>, "arguments": <that tool's parameters>}`.
 */
export function toolCallSchema(tools: ToolDefinition[]): GbnfJsonSchema {
  const alts = tools.map((t, i) => ({
    type: "object" as const,
    properties: {
      name: { const: t.function.name },
      arguments: t.function.parameters
        ? toGbnfSchema(t.function.parameters, `tools[${i}].function.parameters`)
        : { type: "object" as const, properties: {} },
    },
    required: ["name", "arguments"],
  }));
  return (alts.length === 1 ? alts[0] : { oneOf: alts }) as GbnfJsonSchema;
}
