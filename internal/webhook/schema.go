package webhook

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// OrderEventSchemaV1 is the published JSON Schema (2020-12) of the order event body, schema_version 1.
//
//go:embed schema/order-event.v1.json
var OrderEventSchemaV1 []byte

const orderEventSchemaURL = "https://github.com/salesengine/salesengine/blob/main/internal/webhook/schema/order-event.v1.json"

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(OrderEventSchemaV1))
	if err != nil {
		return nil, fmt.Errorf("webhook: parse embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(orderEventSchemaURL, doc); err != nil {
		return nil, fmt.Errorf("webhook: add embedded schema: %w", err)
	}
	s, err := c.Compile(orderEventSchemaURL)
	if err != nil {
		return nil, fmt.Errorf("webhook: compile embedded schema: %w", err)
	}
	return s, nil
})

// ValidateOrderEvent validates an event body against the published schema.
func ValidateOrderEvent(body []byte) error {
	s, err := compiledSchema()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: event body is not JSON: %w", err)
	}
	if err := s.Validate(doc); err != nil {
		return fmt.Errorf("webhook: event body does not match schema v1: %w", err)
	}
	return nil
}
