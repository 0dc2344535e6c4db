// The API page (/docs): Swagger UI over this server's /openapi.json; its files come from the
// swagger-ui-bundle-v2 package, served by the server itself (no CDN, within the page's CSP).
const element = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: element.dataset.url,
  domNode: element,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  tryItOutEnabled: false,
  validatorUrl: null, // no call to swagger.io's validator
});
