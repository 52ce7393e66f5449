-- A forced run (`process FILE --force`, `force=true` on the API) processes items taken in before once more, under
-- a new job and with the provider and model it names: a new request for the same item and template. The request,
-- not the item, is unique per job; the rows it writes replace the item's earlier rows and carry its request_id.
ALTER TABLE requests DROP CONSTRAINT requests_item_id_template_key;
ALTER TABLE requests ADD CONSTRAINT requests_item_template_job UNIQUE (item_id, template, job_id);
