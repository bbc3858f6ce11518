"""Publishes one message with pika (Debian's python3-pika), as a Python service would.

usage: /usr/bin/python3 pika-publish.py <amqp-url> <exchange> <routing-key> <body> [<properties-json>]
properties-json: pika BasicProperties keyword arguments (content_type, type, message_id, ...).
Exits non-zero when the broker does not confirm the message.
"""
import json
import sys

import pika

url, exchange, routing_key, body = sys.argv[1:5]
props = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}

connection = pika.BlockingConnection(pika.URLParameters(url))
try:
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        exchange=exchange,
        routing_key=routing_key,
        body=body.encode("utf-8"),
        properties=pika.BasicProperties(**props),
        mandatory=True,
    )
finally:
    connection.close()
