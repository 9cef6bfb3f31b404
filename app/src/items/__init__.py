"""Items API: two Lambda functions (read, write) behind one HTTP API, over one DynamoDB table.

``items.read.handler`` and ``items.write.handler`` are the Lambda entry points; every other
module holds one concern they share (models, data layer, paging, error mapping, routes).
"""
