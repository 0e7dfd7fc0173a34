//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, built from the router's own
//! constants so limits and the protocol version cannot drift from the code.

use kadian_domain::records::{ChangeKind, RecordKind};
use kadian_domain::sync::{MAX_PUSH_BYTES, MAX_PUSH_RECORDS, PROTOCOL, PROTOCOL_HEADER};
use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The document.
pub fn document() -> Value {
    // The kinds come from the one kind list (kadian-domain's `RecordKind::ALL`).
    let record_kinds: Vec<&str> = RecordKind::ALL
        .into_iter()
        .map(RecordKind::as_str)
        .collect();
    // Open: a newer server may send a kind this version does not know (a device quarantines it).
    let change_kinds = format!(
        "one of {} in this version; a device quarantines a kind it does not know",
        ChangeKind::all_names().join(", ")
    );
    let header = json!({ PROTOCOL_HEADER: {"description": "protocol version", "schema": {"type": "integer", "const": PROTOCOL}} });
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Kadian sync API", "version": format!("{PROTOCOL}"),
                 "description": "Devices enrol with a one-time code, push their records in batches and pull the changes of their scope. See docs/sync-protocol.md."},
        "paths": {
            "/api/v1/health": {"get": {"summary": "Liveness and protocol", "responses": {"200": {"description": "ok", "headers": header,
                "content": {"application/json": {"schema": {"type": "object", "required": ["status", "protocol", "server_time"],
                "properties": {"status": {"type": "string"}, "protocol": {"type": "integer"}, "server_time": {"type": "string", "format": "date-time"},
                    "generation": {"type": "string", "description": "the server's generation (32 hex digits): new after each restore from a backup"},
                    "generation_number": {"type": "integer", "description": "its number: 1 for a server never restored"}}}}}},
                "500": error_response("the database does not answer (code internal)")}}},
            "/api/v1/devices/enrol": {"post": {"summary": "Enrol a device with a one-time code",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["code", "device_name", "platform"],
                    "properties": {"code": {"type": "string"}, "device_name": {"type": "string"}, "platform": {"type": "string"}}}}}},
                "responses": {"201": {"description": "enrolled; the token is shown once", "headers": header, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["device_id", "token", "role", "scope"], "properties": {"device_id": {"type": "string"}, "token": {"type": "string"},
                    "role": {"$ref": "#/components/schemas/Role"}, "scope": {"$ref": "#/components/schemas/Scope"}}}}}},
                    "401": error_response("wrong, used or expired code (code enrol_code_invalid)"),
                    "429": error_response("more than 10 failures a minute from this address")}}},
            "/api/v1/sync/push": {"post": {"summary": "Push records; one receipt per record", "security": [{"bearer": []}],
                "requestBody": {"required": true, "description": format!("at most {MAX_PUSH_RECORDS} records and {MAX_PUSH_BYTES} bytes"),
                    "content": {"application/json": {"schema": {"type": "object", "required": ["device_time", "records"], "properties": {
                    "device_time": {"type": "string", "format": "date-time"},
                    "records": {"type": "array", "maxItems": MAX_PUSH_RECORDS, "items": {"$ref": "#/components/schemas/PushRecord"}}}}}}},
                "responses": {"200": {"description": "receipts", "headers": header, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["receipts", "server_time", "clock_skew_ms"], "properties": {"receipts": {"type": "array", "items": {"$ref": "#/components/schemas/Receipt"}},
                    "server_time": {"type": "string", "format": "date-time"}, "clock_skew_ms": {"type": "integer"}}}}}},
                    "401": error_response("unknown or revoked token"), "413": error_response("too many records or bytes")}}},
            "/api/v1/sync/pull": {"get": {"summary": "Changes of the device's scope after a cursor", "security": [{"bearer": []}],
                "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000, "default": 500}}],
                "responses": {"200": {"description": "changes", "headers": header, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["changes", "cursor", "more"], "properties": {"changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
                    "cursor": {"type": "integer"}, "more": {"type": "boolean"},
                    "generation": {"type": "string", "description": "the generation the cursor belongs to"}}}}}},
                    "401": error_response("unknown or revoked token")}}},
            "/api/v1/reports/daily/sign": {"post": {"summary": "Sign (签发) the daily report of a China day for a 签发人 with their PIN (street devices only)", "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["date", "signer", "pin"],
                    "properties": {"date": {"type": "string", "format": "date"}, "signer": {"type": "string"}, "pin": {"type": "string"}}}}}},
                "responses": {"200": {"description": "signed", "headers": header, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["date", "signer", "signed_at", "hash"], "properties": {"date": {"type": "string", "format": "date"}, "signer": {"type": "string"},
                    "signed_at": {"type": "string", "format": "date-time"}, "hash": {"type": "string"}}}}}},
                    "401": error_response("unknown or revoked token"), "403": error_response("street_only, or pin_wrong"),
                    "409": error_response("already_signed, or before_cutoff"), "422": error_response("in_the_future, or checks_failed"),
                    "429": error_response("pin_locked: 5 wrong PINs in 15 minutes")}}},
            "/api/v1/reports/daily.xlsx": {"get": {"summary": "The daily report of a China day in the district's template, as signed when it is (street devices only)", "security": [{"bearer": []}],
                "parameters": [{"name": "date", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}},
                               {"name": "filled_by", "in": "query", "schema": {"type": "string", "maxLength": 40}},
                               {"name": "phone", "in": "query", "schema": {"type": "string", "maxLength": 40}}],
                "responses": {"200": {"description": "the .xlsx; header x-kadian-signed: 1 when signed", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                    "401": error_response("unknown or revoked token"), "403": error_response("street_only")}}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
                "Role": {"type": "string", "enum": ["volunteer", "compound", "community", "street", "zone"]},
                "Scope": {"type": "object", "required": ["street"], "properties": {"street": {"type": "string"}, "community": {"type": ["string", "null"]},
                    "compound": {"type": ["string", "null"]}, "checkpoint": {"type": ["string", "null"]}, "zone": {"type": "string", "description": "a zone laptop's zone id; absent otherwise"}}},
                "PushRecord": {"type": "object", "required": ["kind", "id", "op", "hash", "body"], "properties": {
                    "kind": {"type": "string", "enum": record_kinds},
                    "id": {"type": "string", "format": "uuid"}, "op": {"type": "string", "enum": ["create", "update"]},
                    "base_version": {"type": ["integer", "null"]}, "hash": {"type": "string"}, "body": {"type": "object"}}},
                "Receipt": {"type": "object", "required": ["id", "status"], "properties": {"id": {"type": "string"},
                    "status": {"type": "string", "enum": ["accepted", "duplicate", "conflict", "rejected"]},
                    "server_seq": {"type": ["integer", "null"]}, "version": {"type": ["integer", "null"]},
                    "error": {"oneOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]}}},
                "Change": {"type": "object", "required": ["kind", "id", "version", "deleted", "body"], "properties": {"kind": {"type": "string", "description": change_kinds},
                    "id": {"type": "string"}, "version": {"type": "integer"}, "deleted": {"type": "boolean"}, "body": {"type": "object"}}}
            }
        }
    })
}
