"""Handlers of the target tests' sample app: report, raise, store (logging JSON), oversleep."""

import json
import os
import sys
import time

import boto3


def api(event, context):
    if "noise_lines" in event:  # a direct invocation that logs more than Lambda's 4 KB tail
        for number in range(event["noise_lines"]):
            print(f"noise line {number:05d}")
        return {"printed": event["noise_lines"]}
    path = event["rawPath"]
    if path == "/boom":
        raise RuntimeError("boom on purpose")
    if path.startswith("/items/"):
        item_id = event["pathParameters"]["id"]
        table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
        table.put_item(Item={"id": item_id, "body": event.get("body") or ""})
        log = {"level": "INFO", "location": "api:22", "message": "item stored", "item_id": item_id}
        print(json.dumps(log))  # the shape of a Powertools structured log line
        return {"statusCode": 201, "body": json.dumps({"id": item_id})}
    print(f"env requested by {context.aws_request_id}")
    return {
        "table": os.environ["TABLE_NAME"],
        "stage": os.environ["STAGE"],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "pid": os.getpid(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def slow(event, context):
    print("about to oversleep")
    time.sleep(30)
    return {"pid": os.getpid()}
