// The frontend: asks the API for a greeting and shows it. Bundled by build.js.
import './style.css';
import { fetchGreeting } from './api.js';

const target = document.querySelector('#greeting');

fetchGreeting()
  .then((g) => {
    target.textContent = g.message;
    target.dataset.state = 'ready';
  })
  .catch((e) => {
    target.textContent = `The API did not answer: ${e.message}`;
    target.dataset.state = 'error';
  });
