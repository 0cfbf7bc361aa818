"""Exports COUNT log records with the OpenTelemetry Python SDK over http/protobuf to idemlog."""
import logging
import os
import sys

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource

url, key, topic, count = os.environ["API_URL"], os.environ["API_KEY"], os.environ["TOPIC"], int(os.environ["COUNT"])
provider = LoggerProvider(resource=Resource.create({"service.name": topic, "service.instance.id": "python-sdk"}))
exporter = OTLPLogExporter(endpoint=f"{url}/v1/logs", headers={"x-api-key": key})
provider.add_log_record_processor(BatchLogRecordProcessor(exporter, max_export_batch_size=512, max_queue_size=count, schedule_delay_millis=200))
logger = logging.getLogger("python-shipper")
logger.setLevel(logging.INFO)
logger.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
for i in range(count):
    logger.info("order %d paid", i, extra={"order.id": i})
ok = provider.force_flush(timeout_millis=120_000)
provider.shutdown()
sys.exit(0 if ok else 1)
