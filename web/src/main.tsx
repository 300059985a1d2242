// The run viewer: /runs lists runs, /runs/:executionId shows one. Both read the API with the view
// token from the URL fragment; without one, the page says how to get a link.
import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RunPage } from './RunPage';
import { RunsList } from './RunsList';
import { takeToken } from './token';

function NoToken() {
  return (
    <main className="page">
      <h1>Run viewer</h1>
      <p className="banner warn" data-role="no-token">
        This page needs a view token in its link. Mint one with your API key and open its <code>viewUrl</code>:
      </p>
      <pre>{`curl -s -X POST "$API/api/executions/<executionId>/view-token" -H "x-api-key: $KEY" \\
  -H 'content-type: application/json' -d '{"actions":true}'
# all of your runs (this list):
curl -s -X POST "$API/api/executions/view-token" -H "x-api-key: $KEY"`}</pre>
    </main>
  );
}

function App() {
  const token = takeToken();
  if (!token) return <NoToken />;
  const match = /^\/runs\/([^/]+)\/?$/.exec(window.location.pathname);
  const id = match?.[1] ? decodeURIComponent(match[1]) : null;
  return id ? <RunPage key={id} id={id} token={token} /> : <RunsList token={token} />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
