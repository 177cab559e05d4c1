#!/usr/bin/env node
// The rain model's serving entry point (the image's cmd): POST /predict {"precipitation", "temp_max", "wind"}
// answers {"score", "rain"}; GET /health answers ok. Node only, so any node base image can run it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const model = JSON.parse(readFileSync(new URL('./model.json', import.meta.url), 'utf8'));

export function score({ precipitation, temp_max: tempMax, wind }) {
  const { bias, precipitation: perPrecipitation, temp, wind: perWind } = model.weights;
  const z = bias + perPrecipitation * precipitation + temp * (tempMax - model.tempCenter) + perWind * wind;
  return 1 / (1 + Math.exp(-z));
}

createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/health') return void response.end('ok\n');
  if (request.method !== 'POST' || request.url !== '/predict') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    try {
      const features = JSON.parse(body);
      const missing = model.features.filter((name) => typeof features[name] !== 'number');
      if (missing.length > 0) throw new Error(`numbers needed for ${missing.join(', ')}`);
      const value = score(features);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ score: value, rain: value >= model.threshold }));
    } catch (error) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
    }
  });
}).listen(Number(process.env.PORT ?? 8080));
