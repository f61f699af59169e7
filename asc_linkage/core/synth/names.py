"""Name pools for the synthetic borough, one per naming tradition.

Pools are whitespace-separated strings so that they stay readable and cheap to extend; `_` stands
for a space inside one name (``Da_Silva`` -> ``Da Silva``). Each ethnic group draws its forenames
and surnames from a mix of traditions (see ``population.ETHNIC_GROUPS``), so a Black Caribbean
resident mostly carries anglophone names and a Black African resident mostly Yoruba, Igbo, Akan or
Somali ones, which is what makes name-based linkage harder for some groups than for others.
"""

from __future__ import annotations

import numpy as np


def _pool(text: str) -> np.ndarray:
    names = [token.replace("_", " ") for token in text.split()]
    # Duplicates would silently inflate some names' frequency; the pools are data, keep them clean.
    return np.array(list(dict.fromkeys(names)), dtype=object)


ENGLISH = {
    "male": _pool("""
        William John James Robert David Michael Peter Richard Thomas Christopher Paul Mark Andrew
        Stephen Anthony Kenneth Ronald Raymond Dennis Derek Roy Leslie Frederick Albert Arthur Harold
        Ernest Stanley Walter Frank George Henry Edward Charles Alfred Reginald Sidney Norman Cyril
        Gordon Douglas Victor Bernard Leonard Eric Alan Brian Keith Colin Graham Barry Trevor Terence
        Geoffrey Malcolm Roger Nigel Martin Philip Ian Neil Simon Daniel Matthew Jonathan Timothy Gary
        Steven Kevin Lee Darren Jason Craig Wayne Dean Carl Adam Benjamin Samuel Joseph Luke Jack Harry
        Oliver Jacob Charlie Alexander Nicholas Patrick Samuel Lewis Ryan Jamie Scott Ross Callum Liam
        Nathan Aaron Tom Max Oscar Toby Joshua Dominic Rupert Hugh Giles Julian Gerald Maurice Herbert
        Cecil Clifford Clive Howard Lionel Percy Rodney Stuart Vincent Wilfred Archie Freddie Alfie Theo
        Edmund Francis Jeremy Rex Ralph Russell Glen Elliot Harvey Reuben Ashley Owen Rhys Gareth Dylan
        Ewan Fraser Hamish Angus Duncan Alistair
    """),
    "female": _pool("""
        Margaret Mary Elizabeth Patricia Jean Joan Barbara Dorothy Doris Irene Joyce Betty Eileen
        Sheila Brenda Valerie Pauline Maureen Sandra Susan Linda Christine Carol Janet Ann Anne Jennifer
        Gillian Kathleen Elsie Edna Ethel Florence Gladys Hilda Ivy Lilian Mabel Marjorie Muriel
        Phyllis Rose Violet Winifred Vera Audrey Beryl Evelyn Iris Olive Rita Shirley Sylvia Wendy
        Yvonne Lesley Julie Karen Deborah Tracey Tracy Nicola Sarah Helen Claire Louise Emma Rachel
        Rebecca Victoria Katherine Catherine Lucy Charlotte Hannah Sophie Emily Jessica Amy Laura
        Gemma Kelly Lisa Michelle Donna Joanne Jacqueline Alison Caroline Diane Dawn Heather Hazel
        Lorraine Marion Rosemary Teresa Theresa Frances Josephine Alice Grace Ruby Lily Ella Isla Poppy
        Freya Evie Molly Daisy Phoebe Harriet Imogen Abigail Eleanor Georgina Amelia Olivia Isabel
        Isabella Matilda Florence Martha Edith Winifred Constance Agnes Annie Nellie Minnie Maud
        Gwendoline Lorna Jill Elaine Angela Denise Beverley Sharon Zoë Chloë Naomi Harriet Beatrice
        Clara Millie Jasmine Megan Bethany Natalie Stacey Kirsty Leanne Jade Holly Kerry
    """),
    "surname": _pool("""
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
        Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel_ Jackson Wood Turner
        Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
        Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson
        Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan_ Marshall Anderson Simpson Ellis Adams
        Singh_ Begum_ Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali_ Hunt Hussain_ Campbell
        Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens
        Jenkins Dixon Fletcher Howard Gibson Ellis Reynolds Saunders Payne Fox Pearson Rose Day Lawrence
        Hudson Graham Gardner Hart Kennedy Chambers Spencer Hamilton Wells Fraser Lane Armstrong Berry
        Ross Hunter Dean Burton Knowles Hammond Sutton Bradley Wheeler Cole Gordon Hayes Barrett Pearce
        Goodwin Lamb Grant Harvey Burns Holland Sharp Boyd Stone Parsons Lowe Pope Tucker Fowler Porter
        Marsh Walsh Atkinson Newton Hodgson Slater Whitehouse Blackwell Ashworth Pickering Whitfield
        Sanderson Hargreaves Cartwright Houghton Bentley Rowe Nicholls Gill Summers Farmer Bishop Page
        Dawson Lambert Potter Brooks Bird Moss Nash Sims Steele Booth Kemp Ball Rhodes Frost Warren
        Crawford Norris Sheppard Coates Greenwood Hewitt Lucas Sykes Thornton Tyler Vaughan Waters
        Woodward Yates
    """.replace("_", "")),
}

IRISH = {
    "male": _pool("""
        Patrick Sean Seán Michael John Declan Ciaran Ciarán Padraig Pádraig Eoin Liam Niall Cormac
        Fergal Brendan Kieran Dermot Colm Donal Eamon Éamonn Fintan Aidan Aodhán Conor Cathal Ronan
        Tadhg Oisín Cillian Darragh Shane Diarmuid Gerard Kevin Martin Thomas Joseph James Francis
        Brian Denis Noel Desmond Vincent Cornelius Finbarr Lorcan Rory Senan Ultan Malachy Peadar Séamus
        Seamus Micheál Tomás Eoghan Ruairí Odhrán
    """),
    "female": _pool("""
        Mary Bridget Brigid Siobhán Siobhan Aoife Niamh Róisín Roisin Sinéad Sinead Máire Maire Orla
        Orlaith Caoimhe Clodagh Deirdre Eileen Kathleen Margaret Nora Nuala Úna Una Gráinne Grainne
        Ciara Aisling Eimear Fionnuala Mairéad Maureen Noreen Philomena Assumpta Bernadette Colette
        Dympna Majella Treasa Sorcha Saoirse Méabh Meabh Ailbhe Áine Aine Catriona Dervla Emer Muireann
        Neasa Oonagh Patricia Rosaleen Teresa Josephine Annie Julia Honor Ita Concepta
    """),
    "surname": _pool("""
        Murphy Kelly O'Sullivan Walsh Smith O'Brien Byrne Ryan O'Connor O'Neill O'Reilly Doyle McCarthy
        Gallagher O'Doherty Kennedy Lynch Murray Quinn Moore McLoughlin O'Carroll Connolly Daly
        O'Connell Wilson Dunne Brennan Burke Collins Campbell Clarke Johnston Hughes O'Farrell
        Fitzgerald Brown Martin Maguire Nolan Flynn Thompson O'Callaghan O'Donnell Duffy O'Mahony Boyle
        Healy O'Shea White Sweeney Hayes Kavanagh Power McGrath Moran Brady Stewart Casey Foley
        Fitzpatrick O'Leary McDonnell MacMahon Donnelly Regan Donovan Burns Flanagan Mullan Barry
        Kane Robinson Cunningham Griffin Kenny Sheehan Ward Whelan Lyons Reid Graham Higgins Cullen
        Keane King Maher McKenna Bell Scott Hogan O'Keeffe Magee McNamara McDonald MacDermott Moloney
        O'Rourke Buckley O'Dwyer Ní_Bhriain Mac_Giolla Ó_Súilleabháin Ó_Briain Mac_Cárthaigh
        Ó_Néill Ní_Mhurchú Cassidy Carey Hennessy Keogh Madden Mooney Nagle Tierney Tobin Devlin
    """),
}

EUROPEAN = {  # Polish, Portuguese, Spanish, Italian, French, Lithuanian, Romanian, Greek, German
    "male": _pool("""
        Łukasz Lukasz Piotr Paweł Pawel Krzysztof Tomasz Michał Michal Marcin Grzegorz Jakub Mateusz
        Wojciech Andrzej Stanisław Zbigniew Jerzy Kamil Dawid Bartosz Przemysław Rafał Sebastian
        João Joao José Jose António Antonio Manuel Francisco Luís Luis Pedro Rui Nuno Tiago Gonçalo
        Duarte Vasco Fernando Carlos Miguel Ángel Javier Alejandro Sergio Jorge Raúl Andrés Álvaro
        Giuseppe Giovanni Marco Luca Alessandro Francesco Matteo Lorenzo Davide Stefano Andrea Paolo
        Jean Pierre François Francois Jérôme Jerome Étienne Etienne Théo Mathieu Olivier Benoît Benoit
        Jonas Mantas Tomas Darius Vytautas Andrei Ion Mihai Florin Bogdan Cristian Ionuț Dimitrios
        Georgios Nikolaos Konstantinos Yiannis Klaus Jürgen Jurgen Stefan Matthias Lars Henrik Anders
        Søren Björn Bjorn Emre Mehmet Mustafa Ivan Dmitri Sergei Oleksandr Vladimir
    """),
    "female": _pool("""
        Anna Agnieszka Katarzyna Małgorzata Malgorzata Joanna Magdalena Monika Ewa Barbara Zofia
        Aleksandra Natalia Karolina Justyna Dorota Beata Żaneta Zaneta Jadwiga Halina Krystyna Wiesława
        Maria Ana Inês Ines Beatriz Mariana Joana Catarina Sofia Leonor Conceição Conceicao Fátima
        Fatima Lúcia Lucia Carmen Pilar Dolores María Lucía Elena Isabel Raquel Begoña Nuria Paula
        Giulia Francesca Chiara Giovanna Alessandra Valentina Federica Elisa Rosa Antonella Marie
        Hélène Helene Élodie Elodie Céline Celine Amélie Amelie Chloé Chloe Margaux Sabine Ingrid Greta
        Rūta Ruta Ieva Aistė Ioana Elena Andreea Mihaela Alina Eleni Dimitra Katerina Ελένη_ Ursula
        Heike Birgit Astrid Sigrid Ayşe Ayse Elif Olga Irina Svetlana Natalia Oksana Yulia
    """.replace("Ελένη_", "")),
    "surname": _pool("""
        Nowak Kowalski Kowalska Wiśniewski Wisniewski Wójcik Wojcik Kowalczyk Kamiński Kaminski
        Lewandowski Zieliński Zielinski Szymański Woźniak Wozniak Dąbrowski Dabrowski Kozłowski
        Jankowski Mazur Krawczyk Piotrowski Grabowski Pawłowski Michalski Król Wieczorek Jabłoński
        Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa Fernandes Gonçalves
        Goncalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira Correia
        Mendes Nunes Soares Vieira Monteiro Cardoso Rocha Neves Coelho Cruz Da_Silva Dos_Santos
        De_Sousa De_Freitas García Garcia Fernández Fernandez González Gonzalez Rodríguez López Lopez
        Martínez Martinez Sánchez Sanchez Pérez Perez Gómez Muñoz Munoz Romero Rossi Russo Ferrari
        Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca Mancini Costa
        Giordano Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Lefevre
        Girard Kazlauskas Petrauskas Jankauskas Popescu Ionescu Popa Stan Dumitru Papadopoulos
        Georgiou Nikolaidis Müller Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann
        Jensen Nielsen Hansen Andersson Johansson Yılmaz Yilmaz Kaya Demir Şahin Ivanov Petrov
        Kovalenko Shevchenko
    """),
}

LATIN_AMERICAN = {
    "male": _pool("""
        Juan Carlos Luis Jorge José Jose Andrés Andres Diego Santiago Sebastián Sebastian Felipe Julián
        Julian Camilo Mauricio Alejandro Fernando Ricardo Eduardo Gustavo Hernán Óscar Oscar Rodrigo
        Marcelo Thiago Gabriel Lucas Matheus Rafael Gilberto Wellington Washington Edson Cleber Anderson
        Wesley Jefferson Fabio Fábio Leandro Renato Márcio Marcio Víctor Victor Hugo Pablo Emiliano
    """),
    "female": _pool("""
        María Maria Ana Luisa Carolina Daniela Valentina Camila Paola Natalia Catalina Juliana Alejandra
        Andrea Diana Gabriela Mónica Monica Patricia Claudia Sandra Luz Marisol Yolanda Adriana Fernanda
        Larissa Letícia Leticia Thaís Thais Juliana Vanessa Priscila Renata Bruna Aline Jéssica
        Jessica Francisca Rosário Rosario Graciela Milagros Ximena Guadalupe Lourdes Soledad
    """),
    "surname": _pool("""
        González Gonzalez Rodríguez Rodriguez Gómez Gomez López Lopez Martínez Martinez Hernández
        Hernandez Díaz Diaz Pérez Perez Sánchez Sanchez Ramírez Ramirez Torres Flores Rivera Vargas
        Castillo Jiménez Jimenez Moreno Rojas Ortiz Gutiérrez Gutierrez Álvarez Alvarez Ruiz Mendoza
        Castro Herrera Medina Aguilar Ramos Vásquez Vasquez Silva Souza Oliveira Lima Barbosa Ribeiro
        Araújo Araujo Cavalcanti Nascimento Moura Freitas Batista Cárdenas Cardenas Quintero Ospina
        Restrepo Salazar Zapata Cordero Montoya Valencia Pardo
    """),
}

WEST_AFRICAN = {  # Yoruba, Igbo, Akan/Ghanaian, Sierra Leonean, with common Christian forenames
    "male": _pool("""
        Oluwaseun Olumide Oluwatobi Olusegun Oluwafemi Adebayo Adewale Ayodele Babatunde Olatunji
        Oladele Olufemi Kayode Kehinde Taiwo Tunde Segun Femi Dapo Gbenga Yemi Wale Niyi Tope Bamidelé
        Chukwuemeka Chinedu Chibuike Chukwudi Emeka Ikenna Obinna Nnamdi Uchenna Ifeanyi Kelechi
        Chidi Chima Ebuka Okechukwu Somtochukwu Tochukwu Kwame Kwabena Kofi Kwaku Yaw Kwesi Kojo Kweku
        Kwadwo Fiifi Ekow Nana Kobina Yao Mensah_ Ibrahim Abdul Mohammed Musa Sulaiman Abdulai Alhaji
        Samuel Emmanuel Daniel David Joseph Michael Godwin Victor Stephen Isaac Peter Paul Francis
        Benjamin Solomon Ebenezer Felix Augustine Prince Richard Kingsley Desmond Patrick Innocent
        Gideon Moses Elijah Joshua Blessing_ Charles Anthony Raphael Sunday Monday Friday Wisdom
    """.replace("Mensah_", "").replace("Blessing_", "")),
    "female": _pool("""
        Oluwakemi Oluwaseyi Oluwabukola Folake Funmilayo Funmi Bukola Yetunde Abimbola Adunni Adebola
        Aderonke Ronke Titilayo Temitope Tolulope Tolu Omolara Olamide Modupe Morenike Yewande Kemi
        Ngozi Chioma Chiamaka Adaeze Nkechi Ifeoma Uchechi Obiageli Chinwe Chidinma Amarachi Ebere
        Nneka Ogechi Ifeyinwa Ada Akosua Ama Abena Adwoa Afua Yaa Efua Esi Akua Araba Adjoa Maame
        Fatmata Aminata Mariama Isatu Hawa Kadiatu Blessing Grace Comfort Patience Mercy Joy Gift
        Precious Faith Esther Deborah Ruth Elizabeth Victoria Felicia Gloria Beatrice Florence Janet
        Christiana Josephine Rebecca Dorcas Abigail Priscilla Olivia Princess Cynthia Vivian Juliet
    """),
    "surname": _pool("""
        Adeyemi Adebayo Adeleke Adewale Adeniyi Adekunle Afolabi Ajayi Akinola Akintola Alabi Balogun
        Bello Ogunleye Ogunbiyi Ogundipe Ogunlana Okafor Okonkwo Okoro Okeke Okoye Onyeka Nwosu Nwachukwu
        Nwankwo Eze Obi Ozoemena Chukwu Igwe Anyanwu Ibe Uche Onuoha Oyelaran Oyewole Olawale Oladipo
        Olatunji Olaniyan Oyebanji Salami Sanni Fashola Fadipe Fagbemi Falana Ikwuemesi Mensah Asante
        Boateng Owusu Osei Appiah Agyeman Amoah Ansah Asamoah Darko Frimpong Kwarteng Ofori Opoku
        Poku Sarpong Yeboah Acheampong Addo Adjei Amponsah Antwi Badu Bonsu Danquah Gyamfi Kyei
        Oduro Quaye Tetteh Kamara Sesay Conteh Bangura Koroma Turay Jalloh Kargbo Mansaray Fofanah
        Diallo Bah Barrie Sowe Ceesay Jallow Touray Njie Camara Ndiaye Adu Arthur Ankrah Quartey
        Adebayo-Smith Okafor-Williams Johnson Williams Thompson Coker Cole Macauley Davies Wright
    """),
}

SOMALI = {
    "male": _pool("""
        Mohamed Mohammed Mohamud Abdi Abdullahi Abdirahman Abdirashid Abdikadir Ahmed Ali Hassan Hussein
        Omar Osman Yusuf Ismail Ibrahim Farah Jama Said Aden Adan Nur Hirsi Warsame Mahad Mustafe Liban
        Khalid Bashir Sharmarke Guled Abdiaziz Abdiweli Faisal Hamza Yasin Bilal Anwar
    """),
    "female": _pool("""
        Fadumo Faduma Hodan Hawa Halima Amina Asha Ayan Ayaan Deeqa Fardowsa Filsan Hibo Hamdi Ifrah
        Ikran Kaltun Khadija Leyla Layla Muna Maryan Nasra Nimco Ruqiya Sahra Sagal Shukri Sucaad Ubah
        Yasmin Zamzam Zainab Sadia Safiya Ladan Idil Najma Anisa
    """),
    "surname": _pool("""
        Mohamed Mohamud Ahmed Ali Hassan Hussein Abdi Abdullahi Omar Osman Yusuf Ismail Ibrahim Farah
        Jama Said Aden Nur Hirsi Warsame Egal Duale Gedi Guled Hersi Isse Kahin Mire Noor Samatar Shire
        Warfa Yasin Elmi Dirie Barre Adam Abdille
    """),
}

CARIBBEAN = {  # Jamaican, Trinidadian, Barbadian, Grenadian: anglophone names with their own mix
    "male": _pool("""
        Winston Delroy Leroy Errol Everton Clinton Lloyd Desmond Neville Carlton Lascelles Linton
        Roydon Hopeton Cleveland Fitzroy Glenford Headley Wesley Lenford Trevor Dalton Devon Marlon
        Dwayne Andre Damion Omar Kemar Shane Jermaine Tyrone Courtney Cedric Clement Cyril Rupert
        Ezekiel Hezekiah Uriah Ashton Garfield Owen Rohan Patrick Anthony Michael Joseph Samuel Isaac
        Kenroy Lenroy Roy Dudley Vernon Aston Baldwin Byron Calvin Conroy Denzil Elvis Granville
        Hubert Ivan Lester Milton Oswald Rudolph Sylvester Theophilus Ulric Wendell Wilfred Ainsley
        Kwame Jahmal Nathaniel Levi Jerome Tyrell Reon Kareem Malachi
    """),
    "female": _pool("""
        Gloria Hyacinth Beverley Marcia Pauline Claudette Cynthia Sonia Paulette Merline Ivy Iris
        Lorna Gwendolyn Enid Ina Icilda Myrtle Pearline Hortense Daphne Joyce Dorothy Millicent Veronica
        Yvonne Jacqueline Audrey Monica Carmen Sharon Angela Donna Tanya Keisha Shanice Tanisha Latoya
        Kimberley Shereen Simone Natasha Camille Chantelle Kerry-Ann Sherene Marlene Vivienne Novelette
        Winsome Dionne Opal Olive Precious Grace Patience Charmaine Claudia Jennifer Lilieth Ruthlyn
        Sophia Althea Beulah Cherry Delores Euphemia Gertrude Joycelyn Lurline Maud Rosalind Valda
        Zena Jasmine Aaliyah Tia Leah Nia Imani Kezia Abigail Naomi
    """),
    "surname": _pool("""
        Campbell Brown Williams Smith Johnson Thompson Clarke Robinson Reid Wright Francis Edwards
        Morgan Lewis Grant Henry Walker Bailey Gordon Graham James Stewart Palmer Morris Green White
        Wilson Bennett Allen Thomas Samuels Powell Richards Miller McKenzie McFarlane Spencer Lawrence
        Douglas Daley Forbes Ferguson Gayle Harris Hylton Jarrett Lindo Lynch Mattis Mullings Nelson
        Ogilvie Pinnock Rowe Simpson Tomlinson Walters Watson Whyte Blake Bryan Chambers Dacres
        Ellington Fearon Gooden Haughton Hinds Ingram Joseph Kerr Levy Maragh Nembhard Osbourne
        Parchment Quest Ramsay Salmon Scarlett Thorpe Vassell Wallace Barrett Beckford Blackwood
        Charles Daniel Ebanks Facey Gayle Gilzene Hamilton Lambert Mighty Pryce Roach Sinclair
        St_Louis St_Hilaire Baptiste John-Baptiste Jean-Baptiste Noel Prince Alleyne Best Cumberbatch
        Greenidge Holder Layne Maynard Pilgrim Skeete Worrell
    """),
}

SOUTH_ASIAN = {  # Indian (Gujarati, Punjabi, Tamil), Pakistani, Bangladeshi, Sri Lankan
    "male": _pool("""
        Rajesh Ramesh Suresh Mahesh Dinesh Mukesh Rakesh Sanjay Vijay Ajay Anil Sunil Ashok Arun Amit
        Sumit Rohit Rahul Vikram Vikas Deepak Pradeep Sandeep Manoj Nitin Kiran Pravin Hitesh Jayesh
        Kamlesh Bhavesh Nilesh Paresh Harish Girish Gurpreet Harjit Jaswinder Kuldip Manjit Sukhwinder
        Balwinder Parminder Harpal Ranjit Tejinder Arjun Aarav Dev Ravi Krishna Ganesh Murali Senthil
        Karthik Prakash Rajan Sivakumar Thiru Kumaran Mohammed Muhammad Mohammad Ahmed Ahmad Imran Irfan
        Asif Tariq Zahid Shahid Khalid Nadeem Naveed Waqar Faisal Usman Bilal Hamza Zain Ayaan Abdul
        Abdullah Rafiq Aziz Anwar Jamal Kamal Rashid Shafiq Shamsul Mizanur Mohammed_Ali Rahim Karim
        Habib Hasan Hossain Monir Sohel Jahangir Alamgir Shah_Alam Nazrul Saiful Rubel Sajid Amjad
    """),
    "female": _pool("""
        Priya Pooja Anjali Sunita Anita Geeta Gita Meena Rekha Usha Asha Lata Kavita Savita Nisha Neha
        Sneha Divya Deepa Shilpa Smita Jyoti Rani Kiran Manjit Harjit Gurpreet Jaswinder Parminder
        Rajinder Sukhjit Harpreet Amrit Simran Lakshmi Saraswati Kamala Vani Revathi Meenakshi Shanthi
        Hansa Bhavna Nila Dipti Hema Jaya Leela Mala Padma Radha Sita Uma Fatima Fatema Ayesha Aisha
        Amina Rukhsana Shazia Nazia Farzana Shabana Saima Sadia Samina Tahira Yasmin Nasreen Parveen
        Shahnaz Rubina Rehana Ruksana Shirin Taslima Nasima Rokeya Hasina Salma Sultana Begum_ Jahanara
        Nurjahan Halima Khadija Maryam Zara Zainab Iqra Mehreen Sana Hina Alina Noor
    """.replace("Begum_", "")),
    "surname": _pool("""
        Patel Shah Mehta Desai Joshi Pandya Parekh Modi Amin Thakkar Vyas Trivedi Bhatt Chauhan Solanki
        Mistry Parmar Rathod Gohil Sharma Verma Gupta Agarwal Kumar Singh Kaur Gill Sandhu Sidhu Dhillon
        Grewal Bains Johal Sahota Kang Chahal Rai Virdi Atwal Iyer Iyengar Nair Menon Pillai Reddy Rao
        Naidu Krishnan Subramaniam Sivarajah Selvarajah Thevarajah Balasubramaniam Ratnam Perera
        Fernando Silva_ Jayasinghe Wijesinghe Khan Ahmed Ali Hussain Hussein Iqbal Akhtar Bibi Butt Malik
        Mahmood Qureshi Raja Rashid Shah_ Siddiqui Sheikh Chaudhry Chaudhary Choudhury Chowdhury Rahman
        Miah Uddin Islam Begum Hossain Hoque Haque Ahmed_ Alam Karim Sarkar Khatun Mia Bhuiyan Talukder
        Mollah Awan Anwar Aslam Bashir Javed Latif Mirza Nawaz Rehman Saleem Tariq Younis Zaman
    """.replace("Silva_", "").replace("Shah_", "").replace("Ahmed_", "")),
}

CHINESE = {  # Mandarin pinyin and Cantonese (Hong Kong) romanisations; many use an English forename
    "male": _pool("""
        Wei Jun Hao Jian Ming Qiang Lei Yang Tao Bin Bo Chao Gang Hui Jie Kai Long Peng Feng Xin Yong
        Zhen Zhiwei Jianguo Xiaoming Haoran Zihao Yuxuan Junjie Kwok-Wai Chi-Ming Wing-Kei Ka-Ho
        Siu-Ming Man-Kit Chun-Kit Wai-Keung Kin-Wah Tak-Shing Raymond Kenneth Alan Tony Eric Kelvin
        Vincent Patrick Andy Jacky Dennis Michael Peter Jason Ivan Edmund Leo
    """),
    "female": _pool("""
        Li Mei Ying Xia Yan Hong Jing Fang Min Lan Hua Juan Na Qing Xiu Yu Lin Ling Xiaoyan Xiaohong
        Yuting Jiayi Zihan Shuang Wing-Yee Mei-Ling Siu-Wai Ka-Yan Wai-Man Suk-Ching Lai-Ha Yuk-Lan
        Shuk-Fan Grace Helen Mary Winnie Jenny Amy Fiona Irene Cindy Joyce Rebecca Vivian Annie Karen
    """),
    "surname": _pool("""
        Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang
        Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei
        Su Lu Ding Ren Shen Yao Chan Cheung Wong Leung Lau Ng Lam Ho Chow Tsang Kwok Yip Tse Fung Lai
        Mak Poon Tam Tang_ Yeung Choi Chiu Siu Lo Kwan Lui Man Tong Ko Chu Woo Chung Hui Fok
    """.replace("Tang_", "")),
}

ARAB = {  # Arab, plus North African and Middle Eastern names common in London
    "male": _pool("""
        Mohammed Muhammad Mohamed Mohammad Ahmed Ahmad Ali Omar Umar Hassan Hussein Hussain Khalid
        Youssef Yousef Yusuf Ibrahim Ismail Mahmoud Mustafa Mostafa Abdullah Abdulrahman Abdelaziz
        Tariq Karim Kareem Samir Sami Nabil Walid Waleed Rami Fadi Ziad Ziyad Bassam Hisham Hicham
        Rachid Rashid Said Saeed Amin Amine Adel Adil Jamal Kamal Faisal Majid Nasser Salah Salim Salem
        Anas Hamza Bilal Zakaria Zakariya Idris Driss Nourredine Brahim Mehdi Younes Ayoub Reda Hamid
    """),
    "female": _pool("""
        Fatima Fatma Aisha Aicha Maryam Mariam Khadija Khadidja Zainab Zeinab Amina Amira Layla Leila
        Laila Nour Noor Sara Sarah Hana Hanan Huda Houda Rania Randa Dina Rasha Reem Rim Salma Samira
        Nadia Nadia Souad Soad Yasmin Yasmine Jamila Nabila Latifa Habiba Karima Malika Naima Rachida
        Samia Soumaya Wafa Widad Asma Asmaa Iman Imane Dalia Lina Rana Ghada Mona Muna Najat Siham
    """),
    "surname": _pool("""
        Al-Sayed El-Sayed Al-Masri El-Masri Al-Hassan Al-Ahmad Al-Ali Al-Khatib Al-Najjar Haddad
        Khoury Khouri Nasser Nasr Saleh Salih Mansour Mansur Hamdan Ibrahim Ismail Hussein Hassan
        Abdallah Abdullah Abdelrahman Yousef Youssef Mahmoud Mahmood Mustafa Othman Osman Qassem
        Kassem Rahman Rashid Said Saeed Shaikh Sheikh Taha Yassin Zaki Benali Ben_Ali Benaissa Bennani
        Bouzid Belkacem Chaoui Cherif Haddou El_Amrani El_Idrissi Lahlou Tazi Alaoui Benjelloun
        Darwish Farouk Ghanem Habib Jaber Jaafar Karam Khalil Mahfouz Nassar Obeid Sabbagh Shamsi Zein
    """),
}

NAME_TRADITIONS: dict[str, dict[str, np.ndarray]] = {
    "english": ENGLISH,
    "irish": IRISH,
    "european": EUROPEAN,
    "latin_american": LATIN_AMERICAN,
    "west_african": WEST_AFRICAN,
    "somali": SOMALI,
    "caribbean": CARIBBEAN,
    "south_asian": SOUTH_ASIAN,
    "chinese": CHINESE,
    "arab": ARAB,
}
TRADITION_NAMES = list(NAME_TRADITIONS)

# Traditions in which the family name is written first or is a patronymic, so a clerk often
# swaps the two fields; the per-tradition multiplier on the base forename/surname swap rate.
SWAP_RATE_MULTIPLIER = {
    "english": 1.0, "irish": 1.0, "european": 1.5, "latin_american": 2.0, "west_african": 4.0,
    "somali": 6.0, "caribbean": 1.0, "south_asian": 3.0, "chinese": 8.0, "arab": 4.0,
}

# English nicknames a record may carry instead of the formal forename.
NICKNAMES = {
    "William": ["Bill", "Billy", "Will", "Liam"], "Robert": ["Bob", "Bobby", "Rob"],
    "Richard": ["Dick", "Rich", "Rick"], "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Jack", "Johnny"], "Michael": ["Mike", "Mick", "Micky"], "Thomas": ["Tom", "Tommy"],
    "Edward": ["Ted", "Eddie", "Ed"], "Anthony": ["Tony"], "Kenneth": ["Ken", "Kenny"],
    "Ronald": ["Ron", "Ronnie"], "Raymond": ["Ray"], "Frederick": ["Fred", "Freddie"],
    "Albert": ["Bert", "Bertie"], "Harold": ["Harry", "Hal"], "Henry": ["Harry", "Hank"],
    "Stanley": ["Stan"], "Leonard": ["Len", "Lenny"], "Leslie": ["Les"], "Reginald": ["Reg"],
    "Charles": ["Charlie", "Chas", "Chuck"], "Alfred": ["Alf", "Alfie"], "Joseph": ["Joe", "Joey"],
    "Peter": ["Pete"], "Christopher": ["Chris"], "Stephen": ["Steve"], "Steven": ["Steve"],
    "Andrew": ["Andy", "Drew"], "Daniel": ["Dan", "Danny"], "David": ["Dave", "Davy"],
    "Matthew": ["Matt"], "Nicholas": ["Nick", "Nicky"], "Patrick": ["Pat", "Paddy"],
    "Samuel": ["Sam", "Sammy"], "Benjamin": ["Ben"], "Alexander": ["Alex", "Sandy"],
    "Timothy": ["Tim"], "Philip": ["Phil"], "Gerald": ["Gerry"], "Terence": ["Terry"],
    "Francis": ["Frank"], "Douglas": ["Doug"], "Bernard": ["Bernie"], "Herbert": ["Herb", "Bert"],
    "Walter": ["Wally"], "Sidney": ["Sid"], "Clifford": ["Cliff"], "Vincent": ["Vince"],
    "Jonathan": ["Jon"], "Geoffrey": ["Geoff"], "Malcolm": ["Mal"], "Kevin": ["Kev"],
    "Margaret": ["Peggy", "Maggie", "Meg", "Margo"], "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie"],
    "Patricia": ["Pat", "Patsy", "Trish"], "Catherine": ["Kate", "Cathy", "Kitty"],
    "Katherine": ["Kate", "Kathy"], "Kathleen": ["Kath", "Kathy"], "Susan": ["Sue", "Susie"],
    "Jennifer": ["Jenny", "Jen"], "Deborah": ["Debbie", "Deb"], "Rebecca": ["Becky", "Becca"],
    "Victoria": ["Vicky", "Tori"], "Christine": ["Chris", "Chrissie"], "Dorothy": ["Dot", "Dolly"],
    "Winifred": ["Winnie"], "Florence": ["Flo", "Florrie"], "Mary": ["Molly", "Polly"],
    "Barbara": ["Babs"], "Josephine": ["Jo", "Josie"], "Jacqueline": ["Jackie"],
    "Gillian": ["Jill"], "Frances": ["Fran"], "Theresa": ["Tess"], "Teresa": ["Terry"],
    "Valerie": ["Val"], "Sandra": ["Sandy"], "Pauline": ["Paula"], "Abigail": ["Abby"],
    "Eleanor": ["Ellie", "Nell"], "Harriet": ["Hattie"], "Samantha": ["Sam"], "Charlotte": ["Lottie"],
    "Isabella": ["Bella"], "Matilda": ["Tilly"], "Constance": ["Connie"], "Agnes": ["Aggie"],
    "Bridget": ["Biddy"], "Gwendoline": ["Gwen"], "Beverley": ["Bev"], "Angela": ["Angie"],
    "Hyacinth": ["Cynthia"], "Claudette": ["Claudie"], "Gloria": ["Glo"],
    "Oluwaseun": ["Seun"], "Oluwatobi": ["Tobi"], "Oluwafemi": ["Femi"], "Babatunde": ["Tunde"],
    "Olusegun": ["Segun"], "Oluwakemi": ["Kemi"], "Funmilayo": ["Funmi"], "Chukwuemeka": ["Emeka"],
    "Aderonke": ["Ronke"], "Titilayo": ["Titi"], "Tolulope": ["Tolu"], "Oluwabukola": ["Bukola"],
}

# Transliteration variants: the same person written differently by two clerks.
TRANSLITERATIONS = [
    ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed"],
    ["Ahmed", "Ahmad", "Ahmet"], ["Yusuf", "Yousef", "Youssef", "Yousuf"],
    ["Hussein", "Hussain", "Husain", "Hosein"], ["Hassan", "Hasan"], ["Omar", "Umar"],
    ["Abdullah", "Abdulla", "Abdallah"], ["Abdirahman", "Abdulrahman", "Abdurahman"],
    ["Mustafa", "Mostafa", "Mustapha"], ["Ibrahim", "Ebrahim"], ["Ismail", "Ismael"],
    ["Fatima", "Fatma", "Fatimah", "Fatema"], ["Aisha", "Ayesha", "Aicha", "Aysha"],
    ["Khadija", "Khadijah", "Khadidja"], ["Zainab", "Zeinab", "Zaynab"], ["Maryam", "Mariam"],
    ["Layla", "Leila", "Laila", "Leyla"], ["Yasmin", "Yasmine", "Yasmeen"],
    ["Mohamud", "Mahmoud", "Mahmood"], ["Fadumo", "Faduma"], ["Ayan", "Ayaan"],
    ["Chowdhury", "Choudhury", "Chaudhry", "Chaudhary"], ["Hossain", "Hussain", "Hosain"],
    ["Rahman", "Rehman"], ["Hoque", "Haque", "Huq"], ["Miah", "Mia"],
    ["Zhang", "Chang", "Cheung"], ["Chen", "Chan"], ["Wang", "Wong"], ["Liu", "Lau"],
    ["Huang", "Wong"], ["Zhou", "Chow"], ["Li", "Lee", "Lei"], ["Wu", "Ng", "Woo"],
    ["Olumide", "Olu"], ["Adeyemi", "Adeyemy"], ["Okafor", "Okaafor"],
    ["Chukwu", "Chuku"], ["Nwosu", "Nwosuh"],
]

# Characters without a Unicode decomposition that systems still flatten.
EXTRA_ASCII_FOLD = {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Đ": "D", "đ": "d",
                    "ı": "i", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "а": "a"}

# Placeholder names that case-management systems carry for unidentified or test persons.
PLACEHOLDER_NAMES = [("BABY", "BOY"), ("BABY", "GIRL"), ("UNKNOWN", "UNKNOWN"), ("TEST", "PATIENT"),
                     ("UNKNOWN", "MALE"), ("UNKNOWN", "FEMALE"), ("TEST", "TEST"), ("NOT", "KNOWN")]
