"""Settings package: `base` holds what every environment shares; `dev`, `test` and
`production` adjust it. `DJANGO_ENV` picks the module (see `tejido.env.settings_module`)."""
