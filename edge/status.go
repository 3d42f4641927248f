package edge

// The HTTP statuses and methods the API uses, spelled out here so that the
// transport-neutral core (Server) does not import net/http: in the js/wasm
// build that import alone links about 0.6 MB of gzip into the Worker
// (crypto/tls and crypto/x509 come with it). The values are net/http's.
const (
	statusOK                    = 200
	statusNoContent             = 204
	statusBadRequest            = 400
	statusForbidden             = 403
	statusNotFound              = 404
	statusMethodNotAllowed      = 405
	statusRequestEntityTooLarge = 413
	statusUnsupportedMediaType  = 415
	statusTooManyRequests       = 429
	statusInternalServerError   = 500
	statusBadGateway            = 502
	statusServiceUnavailable    = 503
	statusGatewayTimeout        = 504

	methodGet     = "GET"
	methodHead    = "HEAD"
	methodPost    = "POST"
	methodOptions = "OPTIONS"
)
