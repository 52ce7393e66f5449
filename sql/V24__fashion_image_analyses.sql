-- The fashion-images task (#13): what each image of a post shows, one row per image, keyed by post and image.
CREATE TABLE fashion_image_analyses (
    post_id       text NOT NULL,
    image         text NOT NULL,
    garment_type  text NOT NULL,
    colours       text[] NOT NULL,
    style_tags    text[] NOT NULL,
    description   text NOT NULL,
    request_id    bigint NOT NULL UNIQUE REFERENCES requests (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, image)
);

-- A post's images read together: one row per post, its garment types, colours and style tags (each once), and
-- every image's analysis in image order.
CREATE VIEW fashion_post_analyses AS
SELECT f.post_id,
       count(*) AS images,
       array_agg(DISTINCT f.garment_type ORDER BY f.garment_type) AS garment_types,
       ARRAY(SELECT DISTINCT c FROM fashion_image_analyses g, unnest(g.colours) c
             WHERE g.post_id = f.post_id ORDER BY c) AS colours,
       ARRAY(SELECT DISTINCT t FROM fashion_image_analyses g, unnest(g.style_tags) t
             WHERE g.post_id = f.post_id ORDER BY t) AS style_tags,
       jsonb_agg(jsonb_build_object('image', f.image, 'garment_type', f.garment_type, 'colours', f.colours,
                                    'style_tags', f.style_tags, 'description', f.description) ORDER BY f.image)
           AS analyses
FROM fashion_image_analyses f
GROUP BY f.post_id;
