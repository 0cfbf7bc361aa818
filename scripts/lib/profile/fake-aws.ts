// A stand-in for DynamoDB and SQS that answers every call at once, for `npm run profile -- --sdk`:
// the functions' SDK calls are then serialised, signed and sent for real, and cost what they cost
// the function, while this process (not measured) answers. Run as its own process.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const target = String(request.headers['x-amz-target'] ?? '');
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  let answer: unknown = {};
  if (target.endsWith('.BatchGetItem')) answer = { Responses: {}, UnprocessedKeys: {} };
  else if (target.endsWith('.SendMessageBatch'))
    answer = {
      Successful: (body.Entries as Array<{ Id: string; MessageBody: string }>).map((entry) => ({
        Id: entry.Id,
        MessageId: entry.Id,
        MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
      })),
      Failed: [],
    };
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer));
});
server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
