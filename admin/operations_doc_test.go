package admin

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// OPERATIONS.md shows every method of every service with an example, so a
// new operation cannot land undocumented.
func TestOperationsDocCoversEveryMethod(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("OPERATIONS.md")
	require.NoError(t, err)
	c, err := NewClient(testAppID, testSecret)
	require.NoError(t, err)
	services := reflect.ValueOf(c).Elem()
	// Of JSSDK only AddCard is listed, with the card ticket it signs with:
	// Config and ChooseCard set a page up rather than operate on cards.
	jssdk := map[string]bool{"JSSDK.AddCard": true}
	n := 0
	for i := 0; i < services.NumField(); i++ {
		field := services.Type().Field(i)
		if !field.IsExported() || !strings.HasSuffix(field.Type.String(), "Service") {
			continue
		}
		typ := field.Type
		for j := 0; j < typ.NumMethod(); j++ {
			name := field.Name + "." + typ.Method(j).Name
			if field.Name == "JSSDK" && !jssdk[name] {
				continue
			}
			n++
			assert.Contains(t, string(doc), "client."+name+"(", "OPERATIONS.md has no example of %s", name)
		}
	}
	for _, credential := range []string{"CardTicket", "RefreshCardTicket"} {
		assert.Contains(t, string(doc), "client."+credential+"(", "OPERATIONS.md has no example of %s", credential)
	}
	assert.GreaterOrEqual(t, n, 43)
}
