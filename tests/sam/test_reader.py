"""The SAM model read from fixture apps in the shapes public samples use."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.sam import Cors, SamModel, read_sam_model

APPS = Path(__file__).resolve().parents[2] / "fixtures" / "sam"


def model(app: str, **parameters: str) -> SamModel:
    return read_sam_model(APPS / app / "template.yaml", parameters)


def test_hello_world_without_code_uri_runs_from_the_template_folder() -> None:
    hello = model("hello_world")
    function = hello.functions["HelloWorldFunction"]
    assert function.code_dir == APPS / "hello_world"
    assert (function.handler, function.runtime) == ("app.lambda_handler", "python3.12")
    assert (function.timeout_s, function.memory_mb) == (3, 128)
    assert function.environment == {"GREETING": "hello"}
    assert function.properties["Architectures"] == ["x86_64"]


def test_an_api_event_makes_the_implicit_rest_api_with_globals_api() -> None:
    (api,) = model("hello_world").apis.values()
    assert (api.logical_id, api.kind, api.implicit, api.stage_name) == (
        "ServerlessRestApi",
        "REST",
        True,
        "Prod",
    )
    (route,) = api.routes
    assert (route.key, route.function_id, route.payload_format) == (
        "GET /hello",
        "HelloWorldFunction",
        "1.0",
    )
    assert route.source == "HelloWorldFunction.Events.HelloWorld"
    assert route.line == 30
    assert api.cors == Cors(
        allow_origins=("https://example.com",),
        allow_methods=("GET", "OPTIONS"),
        allow_headers=("Content-Type", "Authorization"),
        max_age_s=600,
    )


def test_function_defaults_are_sams_when_nothing_sets_them(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {InlineCode: 'x', Handler: index.handler, Runtime: python3.11}\n"
    )
    function = read_sam_model(template).functions["Fn"]
    assert (function.timeout_s, function.memory_mb, function.code_dir) == (3, 128, None)


def test_code_on_s3_or_in_an_image_has_no_local_folder(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  OnS3: {Type: AWS::Serverless::Function, Properties: {CodeUri: s3://b/k.zip}}\n"
        "  AsMap:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: {Bucket: b, Key: k}}\n"
        "  Image: {Type: AWS::Serverless::Function, Properties: {PackageType: Image}}\n"
        "  Local: {Type: AWS::Serverless::Function, Properties: {CodeUri: ./code}}\n"
    )
    functions = read_sam_model(template).functions
    assert [functions[name].code_dir for name in ("OnS3", "AsMap", "Image")] == [None] * 3
    assert functions["Local"].code_dir == tmp_path / "code"


def test_globals_merge_as_sam_merges_them(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Globals:\n  Function:\n    Timeout: 9\n"
        "    Layers: [arn:aws:lambda:us-east-1:1:layer:g:1]\n"
        "    Environment: {Variables: {A: global, B: global}}\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: a.b\n"
        "      Layers: [arn:aws:lambda:us-east-1:1:layer:own:1]\n"
        "      Environment: {Variables: {B: own}}\n"
        "  Opted:\n    Type: AWS::Serverless::Function\n    IgnoreGlobals: '*'\n"
        "    Properties: {Runtime: python3.12, Handler: a.b}\n"
    )
    functions = read_sam_model(template).functions
    assert functions["Fn"].environment == {"A": "global", "B": "own"}
    assert functions["Fn"].timeout_s == 9
    assert functions["Fn"].layers == (
        "arn:aws:lambda:us-east-1:1:layer:g:1",
        "arn:aws:lambda:us-east-1:1:layer:own:1",
    )
    assert (functions["Opted"].timeout_s, functions["Opted"].environment) == (3, {})


def test_rest_api_with_a_token_authorizer_api_keys_and_cors() -> None:
    api = model("rest_auth", Stage="prod").apis["BooksApi"]
    assert (api.kind, api.implicit, api.stage_name) == ("REST", False, "prod")
    assert api.cors == Cors(allow_origins=("*",))
    assert api.binary_media_types == ("image/png",)
    assert api.default_authorizer == "TokenAuthorizer"
    token = api.authorizers["TokenAuthorizer"]
    assert (token.kind, token.payload_type, token.function_id) == (
        "lambda",
        "TOKEN",
        "AuthorizerFunction",
    )
    assert token.identity_sources == ("method.request.header.X-Books-Token",)
    assert (token.ttl_s, token.validation_expression) == (60, "^Bearer [-0-9a-zA-Z._]*$")
    routes = {route.key: route for route in api.routes}
    assert (routes["GET /books"].authorizer, routes["GET /books"].api_key_required) == (
        "TokenAuthorizer",
        True,
    )
    assert routes["GET /books/{id}"].api_key_required is False
    assert (routes["GET /health"].authorizer, routes["GET /health"].api_key_required) == (
        None,
        False,
    )
    assert routes["ANY /files/{proxy+}"].path == "/files/{proxy+}"


def test_rest_request_and_cognito_authorizers() -> None:
    api = model("rest_auth").apis["BooksApi"]
    tenant = api.authorizers["TenantAuthorizer"]
    assert tenant.payload_type == "REQUEST"
    assert tenant.identity_sources == (
        "method.request.header.X-Tenant",
        "method.request.querystring.key",
    )
    assert tenant.ttl_s == 0
    cognito = api.authorizers["CognitoAuthorizer"]
    assert cognito.kind == "cognito"
    assert cognito.user_pool_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_example",
    )
    assert cognito.identity_sources == ("method.request.header.Authorization",)
    assert cognito.ttl_s == 300  # API Gateway's default when ReauthorizeEvery is not set
    admin = next(route for route in api.routes if route.key == "POST /admin")
    assert (admin.authorizer, admin.authorization_scopes) == ("CognitoAuthorizer", ("books/admin",))


def test_http_api_with_lambda_request_and_jwt_authorizers_and_cors() -> None:
    api = model("http_auth").apis["OrdersApi"]
    assert (api.kind, api.stage_name) == ("HTTP", "$default")
    lambda_authorizer = api.authorizers["RequestAuthorizer"]
    assert (lambda_authorizer.payload_format, lambda_authorizer.simple_responses) == ("2.0", True)
    assert lambda_authorizer.identity_sources == (
        "$request.header.Authorization",
        "$request.querystring.tenant",
    )
    assert lambda_authorizer.ttl_s == 0  # no ReauthorizeEvery: HTTP APIs cache nothing
    jwt = api.authorizers["CognitoJwt"]
    assert jwt.kind == "jwt"
    assert jwt.identity_sources == ("$request.header.Authorization",)
    assert jwt.jwt_audience == ("example-client",)
    assert jwt.jwt_issuer == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPoolId}"
    }
    assert api.authorizers["AWS_IAM"].kind == "iam"
    routes = {route.key: route for route in api.routes}
    assert routes["GET /orders"].authorizer == "RequestAuthorizer"
    assert (routes["POST /orders"].authorizer, routes["POST /orders"].authorization_scopes) == (
        "CognitoJwt",
        ("orders/write",),
    )
    assert routes["GET /audit"].authorizer == "AWS_IAM"
    assert (routes["GET /ping"].authorizer, routes["GET /ping"].payload_format) == (None, "1.0")
    assert routes["GET /orders"].payload_format == "2.0"
    assert api.cors == Cors(
        allow_origins=("https://shop.example.com",),
        allow_methods=("GET", "POST"),
        allow_headers=("authorization", "content-type"),
        expose_headers=("x-request-id",),
        max_age_s=300,
        allow_credentials=True,
    )


def test_openapi_from_a_local_include_with_integrations_authorizers_and_keys() -> None:
    api = model("openapi").apis["BooksApi"]
    assert (api.kind, api.stage_name) == ("REST", "v1")
    assert api.definition is not None
    assert api.definition["openapi"] == "3.0.1"
    assert api.binary_media_types == ("application/octet-stream",)
    routes = {route.key: route for route in api.routes}
    books = routes["GET /books"]
    assert (books.function_id, books.authorizer, books.api_key_required) == (
        "BooksFunction",
        "TokenAuthorizer",
        False,
    )
    assert books.source == "BooksApi.DefinitionBody (./api/books.yaml) /books get"
    any_book = routes["ANY /books/{id}"]
    assert any_book.function_id == "BooksFunction"  # through the live alias SAM creates
    assert (any_book.authorizer, any_book.api_key_required) == ("TokenAuthorizer", True)
    status = routes["GET /status"]
    assert (status.function_id, status.authorizer) == (None, None)  # a mock integration
    token = api.authorizers["TokenAuthorizer"]
    assert (token.function_id, token.ttl_s) == ("AuthorizerFunction", 0)
    assert token.identity_sources == ("method.request.header.Authorization",)


def test_openapi_from_a_definition_uri_file_for_an_http_api() -> None:
    api = model("openapi").apis["AdminApi"]
    assert (api.kind, api.stage_name) == ("HTTP", "admin")
    routes = {route.key: route for route in api.routes}
    assert set(routes) == {"GET /reports", "$default"}
    assert (routes["$default"].function_id, routes["$default"].payload_format) == (
        "AdminFunction",
        "2.0",
    )
    reports = routes["GET /reports"]
    assert (reports.payload_format, reports.authorizer, reports.authorization_scopes) == (
        "1.0",
        "AdminJwt",
        ("reports/read",),
    )
    assert api.authorizers["AdminJwt"].jwt_issuer == "https://issuer.example.com"
    assert api.cors == Cors(allow_origins=("*",), allow_methods=("GET",), max_age_s=60)


def test_events_add_no_route_to_an_api_with_its_own_document() -> None:
    """As SAM: the Swagger 2 body is the source of truth, the event only grants permission."""
    api = model("openapi").apis["LegacyApi"]
    (route,) = api.routes
    assert (route.key, route.function_id) == ("POST /legacy", "BooksFunction")  # Fn::Join uri
    assert route.api_key_required is True


def test_layers_and_the_functions_that_use_them() -> None:
    layered = model("layers")
    shared, utils = layered.layers["SharedLayer"], layered.layers["UtilsLayer"]
    assert (shared.content_dir, shared.build_method) == (
        APPS / "layers" / "layers" / "shared",
        "python3.12",
    )
    assert (utils.build_method, utils.compatible_runtimes) == (None, ("python3.12",))
    assert layered.functions["LayeredFunction"].layer_ids == ("SharedLayer", "UtilsLayer")


def test_runtimes_from_python_3_9_to_3_13_and_node() -> None:
    functions = model("runtimes", Greeting="hi").functions
    assert {name: f.runtime for name, f in functions.items()} == {
        "Py39Function": "python3.9",
        "Py313Function": "python3.13",
        "NodeFunction": "nodejs20.x",
    }
    assert [f.is_python for f in functions.values()] == [True, True, False]
    assert functions["Py39Function"].environment == {"GREETING": "hi"}


def test_parameters_defaults_values_and_what_is_missing() -> None:
    without = model("parameters")
    assert without.missing_parameters == ("TableName",)
    assert without.parameters["TableName"].default is None
    assert without.parameters["Memory"].allowed_values == ("256", "512")
    assert without.parameter_values == {
        "AllowedOrigins": "https://a.example.com,https://b.example.com",
        "Memory": "512",
    }
    given = model("parameters", TableName="orders", Memory="512", Undeclared="ignored")
    assert given.missing_parameters == ()
    assert "Undeclared" not in given.parameter_values
    function = given.functions["Function"]
    assert (function.memory_mb, function.timeout_s) == (512, 20)  # Ref, then FindInMap on it
    assert function.environment == {
        "TABLE": "orders",
        "ORIGINS": {"Fn::Join": [",", ["https://a.example.com", "https://b.example.com"]]},
    }


def test_simple_table_defaults_to_an_id_string_key_on_demand() -> None:
    table = model("parameters").tables["Table"]
    assert table.create_kwargs == {
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_the_model_is_cached_per_content_and_parameters(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  T: {Type: AWS::Serverless::SimpleTable}\n")
    first = read_sam_model(template)
    assert read_sam_model(template) is first
    assert read_sam_model(template, {"X": "1"}) is not first
    template.write_text("Resources:\n  U: {Type: AWS::Serverless::SimpleTable}\n")
    assert list(read_sam_model(template).tables) == ["U"]


@pytest.mark.parametrize("app", sorted(path.name for path in APPS.iterdir()))
def test_every_fixture_app_reads(app: str) -> None:
    assert model(app, Greeting="x", TableName="t").functions
